import { defineAdjudicationElements } from "./adjudication";
import { defineElements } from "./elements/registry";
import "./workspace.css";

defineElements();
defineAdjudicationElements();
