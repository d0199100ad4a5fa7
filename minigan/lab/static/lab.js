// minigan lab: draws what minigan/lab/session.py computes; every number on the page comes from the engine.
"use strict";
const token = document.body.dataset.token;
const LOSSES = ["nonsaturating", "minimax", "lsgan", "hinge", "wgan-gp"];
const DATASETS = ["ring", "grid"];
let view = null, frames = 0, fps = 0, framesSince = performance.now();

async function api(path, body) {
  const options = body === undefined ? {} : {method: "POST", body: JSON.stringify(body),
    headers: {"Content-Type": "application/json", "X-Lab-Token": token}};
  const response = await fetch(`${path}?token=${encodeURIComponent(token)}`, options);
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error);
  return answer;
}

function fill(select, names, chosen) {
  select.innerHTML = names.map(n => `<option${n === chosen ? " selected" : ""}>${n}</option>`).join("");
}

function drawPlane(v) {
  const canvas = document.getElementById("plane"), ctx = canvas.getContext("2d");
  const n = v.heat.length, cell = canvas.width / n, scale = canvas.width / (2 * v.extent);
  const values = v.heat.flat(), lo = Math.min(...values), hi = Math.max(...values);
  for (let i = 0; i < n; i++) {                      // row i is y = -extent … extent: draw it bottom-up
    for (let j = 0; j < n; j++) {
      const t = hi > lo ? (v.heat[i][j] - lo) / (hi - lo) : 0.5;
      ctx.fillStyle = `rgb(${Math.round(230 - 120 * t)}, ${Math.round(240 - 60 * t)}, ${Math.round(255 - 40 * t)})`;
      ctx.fillRect(j * cell, canvas.height - (i + 1) * cell, cell + 1, cell + 1);
    }
  }
  const at = p => [(p[0] + v.extent) * scale, canvas.height - (p[1] + v.extent) * scale];
  ctx.fillStyle = "black";
  for (const p of v.real) { const [x, y] = at(p); ctx.fillRect(x - 1, y - 1, 2, 2); }
  ctx.strokeStyle = "rgba(233, 30, 99, 0.6)";
  const biggest = Math.max(1e-12, ...v.arrows.map(a => Math.hypot(a[0], a[1])));
  v.fake.forEach((p, k) => {                          // arrows scaled so the longest is 20 pixels
    const [x, y] = at(p), a = v.arrows[k], s = 20 / biggest;
    ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + a[0] * s, y - a[1] * s); ctx.stroke();
  });
  ctx.fillStyle = "rgb(255, 140, 0)";
  for (const p of v.fake) { const [x, y] = at(p); ctx.fillRect(x - 1.5, y - 1.5, 3, 3); }
}

function drawCurves(v) {
  const canvas = document.getElementById("curves"), ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const rows = v.history;
  if (rows.length < 2) return;
  const series = [["d_loss", "#1f77b4", []], ["g_loss", "#ff7f0e", []], ["d_real", "#1f77b4", [4, 3]],
                  ["d_fake", "#ff7f0e", [4, 3]]];
  const all = rows.flatMap(r => series.map(s => r[s[0]]).filter(x => x !== null && isFinite(x)));
  const lo = Math.min(...all), hi = Math.max(...all), span = hi > lo ? hi - lo : 1;
  for (const [key, color, dash] of series) {
    ctx.strokeStyle = color; ctx.setLineDash(dash); ctx.beginPath();
    rows.forEach((r, k) => {
      if (r[key] === null) return;
      const x = k / (rows.length - 1) * canvas.width, y = canvas.height - (r[key] - lo) / span * (canvas.height - 10) - 5;
      k ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

function render(v) {
  view = v;
  drawPlane(v);
  drawCurves(v);
  document.getElementById("heat-kind").textContent = v.heat_kind === "critic" ? "the critic's value" : "D(x) = σ(logit)";
  const last = v.history[v.history.length - 1];
  document.getElementById("equation").textContent = last
    ? `step ${last.step}: L_D = ${last.d_loss.toFixed(4)}, L_G = ${v.g_loss.toFixed(4)}, ` +
      `D(x) = ${last.d_real.toFixed(3)}, D(G(z)) = ${last.d_fake.toFixed(3)}`
    : "step 0: press step or play";
  frames++;
  const now = performance.now();
  if (now - framesSince > 1000) { fps = frames * 1000 / (now - framesSince); frames = 0; framesSince = now; }
  document.getElementById("status").textContent =
    `step ${v.step} · ${v.steps_per_second} steps/s · ${fps.toFixed(0)} frames/s · ${v.playing ? "playing" : "paused"}` +
    (v.error ? ` · stopped: ${v.error}` : "");
}

async function refresh() { render(await api("/api/view")); }

async function loop() {                               // about 20 frames a second while playing
  try { if (view && view.playing) await refresh(); } catch (error) { console.warn(error.message); }
  setTimeout(loop, 50);
}

async function control(body) { await api("/api/control", body); await refresh(); }

async function start() {
  const links = await api("/api/code");
  for (const a of document.querySelectorAll("a[data-code]")) {
    const code = links[a.dataset.code];
    a.href = `/source?path=${encodeURIComponent(code.path)}&token=${encodeURIComponent(token)}#L${code.line}`;
    a.title = `${code.path}, ${code.name}, line ${code.line}`;
    a.target = "_blank";
  }
  fill(document.getElementById("loss"), LOSSES, "nonsaturating");
  fill(document.getElementById("dataset"), DATASETS, "ring");
  document.getElementById("play").onclick = () => control({action: "play"});
  document.getElementById("pause").onclick = () => control({action: "pause"});
  document.getElementById("step").onclick = () => control({action: "step"});
  document.getElementById("reset").onclick = () => control({action: "reset"});
  document.getElementById("loss").onchange = e => control({action: "reset", loss: e.target.value});
  document.getElementById("dataset").onchange = e => control({action: "reset", dataset: e.target.value});
  // Closing the page pauses training (keepalive lets the request outlive the page).
  window.addEventListener("pagehide", () => fetch(`/api/control?token=${encodeURIComponent(token)}`, {
    method: "POST", keepalive: true, headers: {"Content-Type": "application/json", "X-Lab-Token": token},
    body: JSON.stringify({action: "pause"})}));
  await refresh();
  loop();
}

start();
