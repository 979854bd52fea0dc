import type { LabelFormElement } from "../elements/label-form";
import { gettext } from "../i18n";
import { choicesFrom, missing } from "../layers/registry";
import { layerTitle, listText } from "../model/labels";
import { type Action, isLabelAction } from "../model/shortcuts";
import { el, playerFor, type Task, type TaskContext } from "./task";

/** A static clip: watch it, choose the clip's labels (one choice per layer). */
export function staticTask(ctx: TaskContext): Task {
  const clip = ctx.clip;
  const layers = ctx.project.label_schema.layers;
  const player = playerFor(ctx);
  const form = el("label-form", {
    "aria-label": gettext("Labels for this clip"),
  }) as LabelFormElement;
  form.lang = ctx.lang;
  form.layers = layers;
  form.value = choicesFrom(layers, ctx.labels ?? {});
  form.addEventListener("choices-change", () => {
    form.missing = [];
    ctx.onChange();
  });
  const transcript = el(
    "p",
    { class: "transcript", lang: clip.language },
    clip.transcript || gettext("(no transcript)"),
  );
  const root = el(
    "div",
    { class: "task static" },
    el(
      "section",
      { class: "media", "aria-label": gettext("Clip") },
      player,
      el("h2", {}, clip.title || clip.external_id),
      speakerLine(clip.speaker),
      transcript,
    ),
    el("section", { class: "labels", "aria-label": gettext("Labels") }, form),
  );

  return {
    mode: "static",
    root,
    player,
    payload: () => ({ ...form.value }),
    confirmation: () => null,
    problem() {
      const gaps = missing(layers, form.value);
      form.missing = gaps.map((l) => l.name);
      return gaps.length
        ? gettext("Still to choose: %(layers)s.", {
            layers: listText(gaps.map((l) => layerTitle(l, ctx.lang))),
          })
        : null;
    },
    prepare: () => Promise.resolve(),
    apply(action: Action) {
      if (!isLabelAction(action)) return false;
      form.applyShortcut(action);
      return true;
    },
    showField(field: string) {
      form.missing = [field];
    },
    dispose() {},
  };
}

export function speakerLine(speaker: string): HTMLElement | string {
  return speaker ? el("p", { class: "speaker" }, gettext("Speaker: %(speaker)s", { speaker })) : "";
}
