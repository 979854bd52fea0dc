import { RadarChartElement } from "../charts/radar-chart";
import "./dashboard.css";
import { ProjectDashboardElement } from "./project-dashboard";

const ELEMENTS = {
  "project-dashboard": ProjectDashboardElement,
  "radar-chart": RadarChartElement,
} as const;

declare global {
  interface HTMLElementTagNameMap {
    "project-dashboard": ProjectDashboardElement;
    "radar-chart": RadarChartElement;
  }
}

export function defineDashboardElements(): void {
  for (const [name, element] of Object.entries(ELEMENTS)) {
    if (!customElements.get(name)) customElements.define(name, element);
  }
}
