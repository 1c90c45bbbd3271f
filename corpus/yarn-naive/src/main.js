import Chart from "chart.js/auto";

const res = await fetch("/api/latency");
const points = res.ok ? await res.json() : [];

new Chart(document.getElementById("latency"), {
  type: "line",
  data: {
    labels: points.map((p) => p.t),
    datasets: [{ label: "p95 ms", data: points.map((p) => p.ms) }],
  },
});
