import { defineElements } from "./elements/registry";
import "./workspace.css";

defineElements();
