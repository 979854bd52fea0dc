import { defineAdjudicationElements } from "./adjudication";
import { defineDashboardElements } from "./dashboard";
import { defineElements } from "./elements/registry";
import "./common.css";
import "./workspace.css";

defineElements();
defineAdjudicationElements();
defineDashboardElements();
