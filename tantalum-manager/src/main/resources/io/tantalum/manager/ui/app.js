// The live view of a dataservice: reads the manager's admin API (the viewer token or cctrl's) every
// second and redraws; keeps the last 2 minutes of each datasource's latency for its chart.
"use strict";
const TOKEN_KEY = "tantalum.token";
const SAMPLES = 120;
const latencies = new Map();
let timer = null;

function token() { return sessionStorage.getItem(TOKEN_KEY); }

async function get(path) {
  const r = await fetch(path, { headers: { "Authorization": "Bearer " + token() }, cache: "no-store" });
  if (r.status === 401) { throw Object.assign(new Error("the token was refused"), { unauthorized: true }); }
  const body = await r.json();
  if (!r.ok) { throw new Error(body.error || ("HTTP " + r.status)); }
  return body;
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (cls) { td.className = cls; }
  return td;
}

function row(tbody, cells, id) {
  const tr = document.createElement("tr");
  if (id) { tr.id = id; }
  cells.forEach(c => tr.appendChild(c));
  tbody.appendChild(tr);
  return tr;
}

function spark(values) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 " + SAMPLES + " 28");
  svg.setAttribute("preserveAspectRatio", "none");
  const max = Math.max(0.1, ...values);
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", values.map((v, i) => (SAMPLES - values.length + i) + "," + (27 - 26 * v / max)).join(" "));
  svg.appendChild(line);
  const title = document.createElementNS(ns, "title");
  title.textContent = "max " + max.toFixed(3) + " s";
  svg.appendChild(title);
  return svg;
}

function show(view, history) {
  document.getElementById("service").textContent = view.service;
  document.getElementById("summary").textContent = "master " + (view.master || "none") + " · coordinator "
      + (view.coordinator || "none") + " · policy " + (view.policy || "?") + " · topology version "
      + view.topologyVersion + (view.procedure ? " · in progress: " + view.procedure : "");
  const ds = document.querySelector("#datasources tbody");
  ds.replaceChildren();
  for (const d of view.datasources) {
    const series = latencies.get(d.host) || [];
    series.push(Math.max(0, d.appliedLatency || 0));
    if (series.length > SAMPLES) { series.shift(); }
    latencies.set(d.host, series);
    const chart = document.createElement("td");
    chart.appendChild(spark(series));
    const state = d.state + (d.reason ? "(" + d.reason + ")" : "");
    row(ds, [cell(d.host), cell(d.role, "role-" + d.role), cell(state, "state-" + d.state),
      cell(d.replicator), cell(d.dataserver + (d.readOnly === true ? " read-only" : d.readOnly === false ? " writable" : "")),
      cell(d.appliedSeqno, "num"), cell((d.appliedLatency || 0).toFixed(3) + " s", "num"), chart], "ds-" + d.host);
  }
  const cs = document.querySelector("#connectors tbody");
  cs.replaceChildren();
  for (const c of view.connectors || []) {
    const s = c.status || {};
    row(cs, [cell(c.name), cell(c.address), cell(c.state, "state-" + c.state), cell(s.master),
      cell(s.readWriteSessions, "num"), cell(s.readOnlySessions, "num"), cell(s.sessionsServed, "num")]);
  }
  const hs = document.querySelector("#history tbody");
  hs.replaceChildren();
  for (const a of history.records.slice().reverse()) {
    row(hs, [cell(new Date(a.timeMillis).toLocaleTimeString()), cell(a.procedure), cell(a.phase), cell(a.outcome),
      cell(a.coordinator), cell(a.millis, "num"), cell(a.detail)]);
  }
}

async function refresh() {
  try {
    const [view, history] = await Promise.all([get("/api/v1/cluster"), get("/api/v1/cluster/history?limit=15")]);
    document.getElementById("problem").hidden = true;
    show(view, history);
  } catch (e) {
    if (e.unauthorized) { logout("the token was refused"); return; }
    const p = document.getElementById("problem");
    p.textContent = "Cannot read the dataservice: " + e.message + " (trying again every second)";
    p.hidden = false;
  }
}

function start() {
  document.getElementById("login").hidden = true;
  document.getElementById("view").hidden = false;
  refresh();
  timer = setInterval(refresh, 1000);
}

function logout(why) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (timer) { clearInterval(timer); timer = null; }
  document.getElementById("view").hidden = true;
  document.getElementById("login").hidden = false;
  document.getElementById("login-error").textContent = why || "";
}

document.getElementById("login").addEventListener("submit", ev => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value.trim());
  start();
});
document.getElementById("logout").addEventListener("click", ev => { ev.preventDefault(); logout(""); });
if (token()) { start(); } else { logout(""); }
