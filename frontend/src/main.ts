import { ClipWaveformElement } from "./elements/clip-waveform";

if (!customElements.get("clip-waveform")) {
  customElements.define("clip-waveform", ClipWaveformElement);
}
