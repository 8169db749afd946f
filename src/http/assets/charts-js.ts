/**
 * The chart script, served at /assets/charts.js (the CSP allows no inline script). It reads
 * each plot's data from a `<script type="application/json" class="chart-data">` block the
 * page rendered and draws it with uPlot: one series per stage (so points are coloured by
 * stage) and a ringed marker on the production version. The instances are kept on
 * `window.modelregCharts` so tests and curious users can read what was drawn.
 */
export const CHARTS_JS = `
(function () {
  'use strict';
  var COLORS = { development: '#6b7280', staging: '#b7791f', production: '#1f8a4c', superseded: '#5b7fa6', deprecated: '#b45309', archived: '#9aa3ae' };
  var STAGES = ['development', 'staging', 'production', 'superseded', 'deprecated', 'archived'];
  window.modelregCharts = [];
  function draw(block) {
    var spec = JSON.parse(block.textContent);
    var target = document.getElementById(spec.target);
    if (!target) return;
    var xs = spec.labels.map(function (_, i) { return i; });
    var data = [xs];
    var series = [{ label: 'version', value: function (u, v) { return v == null ? '' : spec.labels[v] || ''; } }];
    STAGES.forEach(function (stage) {
      if (spec.stages.indexOf(stage) === -1) return;
      data.push(spec.values.map(function (v, i) { return spec.stages[i] === stage ? v : null; }));
      series.push({ label: stage, stroke: COLORS[stage], width: 0, points: { show: true, size: 9, fill: COLORS[stage], stroke: COLORS[stage] } });
    });
    if (spec.production !== null) {
      data.push(spec.values.map(function (v, i) { return i === spec.production ? v : null; }));
      series.push({ label: 'production (current)', stroke: '#111827', width: 0, points: { show: true, size: 16, width: 2, fill: 'transparent', stroke: '#111827' } });
    }
    var opts = {
      width: Math.max(300, target.clientWidth || 360),
      height: 220,
      series: series,
      scales: { x: { time: false, range: [-0.5, xs.length - 0.5] } },
      axes: [
        { values: function (u, splits) { return splits.map(function (s) { return Number.isInteger(s) ? spec.labels[s] || '' : ''; }); }, incrs: [1, 2, 5, 10, 20, 50, 100] },
        {}
      ],
      legend: { show: false }
    };
    var chart = new uPlot(opts, data, target);
    chart.modelreg = { metric: spec.metric, evalSet: spec.evalSet, labels: spec.labels };
    window.modelregCharts.push(chart);
  }
  function start() {
    var blocks = document.querySelectorAll('script.chart-data');
    for (var i = 0; i < blocks.length; i++) draw(blocks[i]);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
`;
