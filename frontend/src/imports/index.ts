import "./imports.css";
import { LabelImportElement } from "./label-import";
import { MediaUploadElement } from "./media-upload";

const ELEMENTS = {
  "media-upload": MediaUploadElement,
  "label-import": LabelImportElement,
} as const;

declare global {
  interface HTMLElementTagNameMap {
    "media-upload": MediaUploadElement;
    "label-import": LabelImportElement;
  }
}

export function defineImportElements(): void {
  for (const [name, element] of Object.entries(ELEMENTS)) {
    if (!customElements.get(name)) customElements.define(name, element);
  }
}
