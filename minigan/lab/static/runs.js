// The lab's page of runs: minigan train's run folders, read again every two seconds (minigan/lab/watch.py).
"use strict";
const columns = [...document.querySelectorAll(".run-column")];
const shown = columns.map(() => ({name: null, grids: [], followLast: true}));

function fillColumn(column, k) {
  column.appendChild(document.getElementById("column").content.cloneNode(true));
  const pick = column.querySelector(".pick"), which = column.querySelector(".which");
  pick.onchange = () => { shown[k].name = pick.value || null; shown[k].followLast = true; update(k); };
  which.oninput = () => {              // choosing an older grid stops following the newest one
    shown[k].followLast = Number(which.value) === shown[k].grids.length - 1;
    showGrid(k);
  };
}

function showGrid(k) {
  const column = columns[k], which = column.querySelector(".which"), grids = shown[k].grids;
  const image = column.querySelector(".grid");
  if (!grids.length) { image.removeAttribute("src"); column.querySelector(".grid-name").textContent = "no grid yet"; return; }
  const file = grids[Math.min(Number(which.value), grids.length - 1)];
  column.querySelector(".grid-name").textContent = file;
  image.src = `/runfile?name=${encodeURIComponent(shown[k].name)}&file=${encodeURIComponent(file)}` +
    `&token=${encodeURIComponent(token)}&v=${shown[k].step}`;       // a new step: the picture may be new too
}

function metricsTable(rows) {
  if (!rows.length) return "";
  const toy = "modes_captured" in rows[0];
  const head = toy ? "<tr><th>epoch</th><th>modes</th><th>high quality %</th><th>reverse KL</th></tr>"
                   : "<tr><th>epoch</th><th>FID</th><th>classes covered</th></tr>";
  const body = rows.map(r => toy
    ? `<tr><td>${r.epoch}</td><td>${r.modes_captured}/${r.n_modes}</td><td>${r.high_quality_percent.toFixed(1)}</td>` +
      `<td>${r.reverse_kl === null ? "∞" : r.reverse_kl.toFixed(3)}</td></tr>`
    : `<tr><td>${r.epoch}</td><td>${r.fid.toFixed(1)}</td><td>${r.classes_covered}/10</td></tr>`).join("");
  return head + body;
}

async function update(k) {
  const column = columns[k], name = shown[k].name;
  if (name === null) return;
  const run = await api("/api/watch", undefined, `&name=${encodeURIComponent(name)}`);
  const s = run.settings;
  column.querySelector(".about").textContent = `${s.model} on ${s.dataset}, ${s.loss}, width ${s.width}, batch ` +
    `${s.batch_size}, seed ${s.seed}: step ${run.step}, epoch ${run.epoch} of ${s.epochs}`;
  column.querySelector(".live").textContent = run.training ? "training now" : "";
  const c = run.curves;
  drawSeries(column.querySelector(".losses"), [{values: c.d_loss, color: "#1f77b4"}, {values: c.g_loss, color: "#ff7f0e"},
    {values: c.d_real, color: "#1f77b4", dash: [4, 3]}, {values: c.d_fake, color: "#ff7f0e", dash: [4, 3]}]);
  drawSeries(column.querySelector(".norms"), Object.entries(c.grad_norms).map(([layer, values]) =>
    ({values, color: layer.startsWith("D") ? "rgba(31, 119, 180, 0.8)" : "rgba(255, 127, 14, 0.8)"})), Math.log10);
  const alarms = run.alarms.slice(-5).map(a => `collapse alarm, ${a}`);     // the newest five, one a line
  if (run.alarms.length > 5) alarms.unshift(`(${run.alarms.length - 5} earlier alarms)`);
  column.querySelector(".alarms").textContent = alarms.join("\n");
  column.querySelector(".metrics").innerHTML = metricsTable(run.metrics);
  const which = column.querySelector(".which");
  shown[k].step = run.step;
  shown[k].grids = run.grids;
  which.max = Math.max(0, run.grids.length - 1);
  if (shown[k].followLast) which.value = which.max;
  showGrid(k);
  column.dataset.step = run.step;                   // for the tests: what this column shows now
}

async function listRuns() {
  const answer = await api("/api/watch");
  $("root").textContent = answer.root;
  columns.forEach((column, k) => {
    const pick = column.querySelector(".pick"), chosen = shown[k].name;
    pick.innerHTML = '<option value="">(choose a run)</option>' + answer.runs.map(r =>
      `<option value="${r.name}"${r.name === chosen ? " selected" : ""}>${r.name} (${r.model} on ${r.dataset}` +
      `${r.training ? ", training" : ""})</option>`).join("");
  });
}

async function poll() {
  try {
    await listRuns();
    await Promise.all(columns.map((_, k) => update(k)));
  } catch (error) { console.warn(error.message); }
  setTimeout(poll, 2000);
}

columns.forEach(fillColumn);
$("to-lab").href = `/?token=${encodeURIComponent(token)}`;
poll().then(() => { document.body.dataset.ready = "yes"; });
