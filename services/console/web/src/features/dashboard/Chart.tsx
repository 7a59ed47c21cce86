// A Chart.js canvas: the library lives only in the dashboard's lazily loaded chunk, registered
// with the few parts the dashboard uses so the chunk stays small.
import { useEffect, useRef } from "react";
import { ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale, Tooltip, type ChartConfiguration } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Legend, Tooltip);

/** The canvas is an image to assistive technology; its `label` says what it shows, the data sits in a table beside it. */
export function ChartCanvas({ config, label }: { config: ChartConfiguration; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const chart = new Chart(canvas.current!, { ...config, options: { animation: false, maintainAspectRatio: false, ...config.options } });
    return () => chart.destroy();
  }, [config]);
  return <div className="chart"><canvas ref={canvas} role="img" aria-label={label} /></div>;
}
