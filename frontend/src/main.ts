import { defineAdjudicationElements } from "./adjudication";
import { defineDashboardElements } from "./dashboard";
import { defineElements } from "./elements/registry";
import { defineImportElements } from "./imports";
import "./common.css";
import "./workspace.css";

defineElements();
defineAdjudicationElements();
defineDashboardElements();
defineImportElements();
