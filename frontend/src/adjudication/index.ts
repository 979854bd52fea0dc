import { defineElements } from "../elements/registry";
import { AdjudicationWorkspaceElement } from "./adjudication-workspace";
import "./adjudication.css";

declare global {
  interface HTMLElementTagNameMap {
    "adjudication-workspace": AdjudicationWorkspaceElement;
  }
}

/** Defines `<adjudication-workspace>` (once), and the workspace elements it is built from. */
export function defineAdjudicationElements(): void {
  defineElements();
  if (!customElements.get("adjudication-workspace")) {
    customElements.define("adjudication-workspace", AdjudicationWorkspaceElement);
  }
}
