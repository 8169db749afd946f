/** The UI's one stylesheet, served at /assets/app.css (kept in code so the build ships it). */
export const APP_CSS = `
:root {
  --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #5f6b7a; --line: #e2e6eb;
  --accent: #2f6fde; --accent-ink: #fff; --ok: #1f8a4c; --bad: #c0392b; --warn: #b7791f;
  --dev: #6b7280; --staging: #b7791f; --production: #1f8a4c; --archived: #9aa3ae; --superseded: #5b7fa6; --deprecated: #b45309;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 14px; color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
header.top { background: #18202e; color: #fff; display: flex; align-items: center; gap: 24px; padding: 0 24px; height: 52px; }
header.top .brand { font-weight: 700; font-size: 16px; color: #fff; letter-spacing: .2px; }
header.top nav a { color: #c9d3e1; margin-right: 18px; }
header.top nav a:hover { color: #fff; text-decoration: none; }
header.top .who { margin-left: auto; color: #c9d3e1; display: flex; align-items: center; gap: 10px; }
header.top .who form { margin: 0; }
header.top .who button { background: transparent; border: 1px solid #4a5568; color: #c9d3e1; padding: 4px 10px; }
main { max-width: 1200px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 10px; }
.sub { color: var(--muted); margin: 0 0 18px; }
.crumbs { color: var(--muted); margin-bottom: 8px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin-bottom: 16px; }
table { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: 8px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .4px; }
tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; color: #fff; background: var(--dev); }
.badge.development { background: var(--dev); }
.badge.staging { background: var(--staging); }
.badge.production { background: var(--production); }
.badge.archived { background: var(--archived); }
.badge.superseded { background: var(--superseded); } .badge.deprecated { background: var(--deprecated); }
.badge.pending { background: var(--warn); }
.badge.approved, .badge.ok, .badge.pass { background: var(--ok); }
.badge.rejected, .badge.bad, .badge.fail, .badge.expired { background: var(--bad); }
.chip { display: inline-block; padding: 1px 7px; border-radius: 4px; background: #eef2f8; border: 1px solid #d8e0ec; font-size: 12px; margin: 0 4px 2px 0; }
.pos { color: var(--ok); } .neg { color: var(--bad); }
form.filters { display: flex; gap: 10px; align-items: end; flex-wrap: wrap; margin-bottom: 14px; }
label { display: flex; flex-direction: column; gap: 4px; color: var(--muted); font-size: 12px; }
input, select, textarea { font: inherit; padding: 6px 8px; border: 1px solid #cfd6df; border-radius: 6px; background: #fff; color: var(--ink); }
button, .button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink); cursor: pointer; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
.actions { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
.actions form { margin: 0; }
.pager { display: flex; gap: 12px; margin-top: 12px; align-items: center; color: var(--muted); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 16px; }
.chart { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; min-height: 260px; }
.chart h3 { margin: 0 0 6px; font-size: 14px; }
.chart .note { color: var(--muted); font-size: 12px; margin: 0 0 6px; }
dl.facts { display: grid; grid-template-columns: 180px 1fr; gap: 6px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-all; }
.alert { border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; border: 1px solid; }
.alert.error { background: #fdecea; border-color: #f5c2bd; color: #7b241c; }
.alert.ok { background: #e8f6ee; border-color: #b9e2c8; color: #14532d; }
.alert.info { background: #eef4fd; border-color: #c9dbf7; color: #1e3a6b; }
.alert strong { display: block; margin-bottom: 2px; }
.empty { color: var(--muted); padding: 16px; text-align: center; }
.login { max-width: 380px; margin: 60px auto; }
.login form { display: flex; flex-direction: column; gap: 12px; }
.legend { color: var(--muted); font-size: 12px; display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin: 14px 0 10px; }
.legend .dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; background: var(--dev); margin-left: 8px; }
.legend .dot.staging { background: var(--staging); } .legend .dot.production { background: var(--production); } .legend .dot.archived { background: var(--archived); } .legend .dot.superseded { background: var(--superseded); } .legend .dot.deprecated { background: var(--deprecated); }
.legend .ring { display: inline-block; width: 14px; height: 14px; border-radius: 50%; border: 2px solid #111827; margin-left: 8px; }
.panel table + table, .panel p + table { margin-top: 10px; }
.panel > h2:first-child { margin-top: 0; }
.panel form.actions { margin-top: 12px; }
.nowrap, td.when { white-space: nowrap; }
td.mono { word-break: break-all; max-width: 460px; }
h1 .mono { font-size: 17px; color: var(--muted); }
.two h2 { margin-top: 18px; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 800px) { .two { grid-template-columns: 1fr; } dl.facts { grid-template-columns: 1fr; } }
`;
