// Bar charts (Chart.js), each with its figures as a table for screen
// readers and keyboards.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { h, table } from './dom.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.font.family = 'system-ui, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
Chart.defaults.color = '#1b1b1f';
Chart.defaults.animation = false; // the page is interactive at once

// datasets: [{label, data, color}]
export function barChart({ id, title, labels, datasets, horizontal = false, height = 280 }) {
  const canvas = h('canvas', { id, role: 'img', 'aria-label': `${title} (les données sont dans le tableau qui suit)` });
  const box = h('div', { class: 'chart-box', style: `height:${height}px` }, canvas);
  const figure = h('figure', { class: 'card' },
    h('figcaption', {}, h('strong', {}, title)),
    box,
    h('details', {}, h('summary', {}, 'Voir les données'),
      table(title, ['', ...datasets.map((d) => d.label)],
        labels.map((label, i) => [label, ...datasets.map((d) => String(d.data[i]))]))));
  // Drawn once the figure is in the page (Chart.js measures its box).
  requestAnimationFrame(() => {
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels,
        datasets: datasets.map((d) => ({ label: d.label, data: d.data, backgroundColor: d.color || '#0b4f8a' })),
      },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        maintainAspectRatio: false,
        responsive: true,
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { x: { beginAtZero: true }, y: { beginAtZero: true } },
      },
    });
  });
  return figure;
}
