import { AnnotationCorrectionElement } from "./annotation-correction";
import { AnnotationWorkspaceElement } from "./annotation-workspace";
import { ClipPlayerElement } from "./clip-player";
import { ClipWaveformElement } from "./clip-waveform";
import { LabelFormElement } from "./label-form";
import { SegmentEditorElement } from "./segment-editor";
import { SegmentTimelineElement } from "./segment-timeline";
import { TraceRecorderElement } from "./trace-recorder";

const ELEMENTS = {
  "annotation-correction": AnnotationCorrectionElement,
  "annotation-workspace": AnnotationWorkspaceElement,
  "clip-player": ClipPlayerElement,
  "clip-waveform": ClipWaveformElement,
  "label-form": LabelFormElement,
  "segment-editor": SegmentEditorElement,
  "segment-timeline": SegmentTimelineElement,
  "trace-recorder": TraceRecorderElement,
} as const;

declare global {
  interface HTMLElementTagNameMap {
    "annotation-correction": AnnotationCorrectionElement;
    "annotation-workspace": AnnotationWorkspaceElement;
    "clip-player": ClipPlayerElement;
    "clip-waveform": ClipWaveformElement;
    "label-form": LabelFormElement;
    "segment-editor": SegmentEditorElement;
    "segment-timeline": SegmentTimelineElement;
    "trace-recorder": TraceRecorderElement;
  }
}

export function defineElements(): void {
  for (const [name, element] of Object.entries(ELEMENTS)) {
    if (!customElements.get(name)) customElements.define(name, element);
  }
}
