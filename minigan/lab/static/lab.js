// minigan lab: draws what minigan/lab/session.py computes; every number on the page comes from the engine.
// (common.js, loaded first: the token, api(), drawSeries().)
"use strict";
const LIVE = ["lr_g", "lr_d", "n_critic"];          // these change the running run; the others start a new one
let view = null, links = {}, frames = 0, fps = 0, framesSince = performance.now();
let slow = null, slowAt = 0;                         // the recorded sub-steps of one step, and the one shown
let drawn = [];                                      // the learner's own points (data "drawn")
let wantDrawn = false;                               // "drawn" chosen, and no points to train on yet

function codeHref(key) {
  const code = links[key];
  return `/source?path=${encodeURIComponent(code.path)}&token=${encodeURIComponent(token)}#L${code.line}`;
}

function link(a, key) {
  a.href = codeHref(key);
  a.title = `${links[key].path}, ${links[key].name}, line ${links[key].line}`;
  a.target = "_blank";
}

// ---- the plane: D's heatmap, real and fake points, the arrows ---------------------------------
function toCanvas(canvas, extent) {
  const scale = canvas.width / (2 * extent);
  return p => [(p[0] + extent) * scale, canvas.height - (p[1] + extent) * scale];
}

const heatCanvas = document.createElement("canvas");   // one pixel per heatmap cell, scaled up when drawn

function drawHeat(ctx, canvas, heat) {
  const n = heat.length;
  heatCanvas.width = heatCanvas.height = n;
  const cells = heatCanvas.getContext("2d"), image = cells.createImageData(n, n);
  let lo = Infinity, hi = -Infinity;
  for (const row of heat) for (const value of row) { lo = Math.min(lo, value); hi = Math.max(hi, value); }
  for (let i = 0; i < n; i++) {                      // row i is y = -extent … extent: image rows go top-down
    for (let j = 0; j < n; j++) {
      const t = hi > lo ? (heat[i][j] - lo) / (hi - lo) : 0.5, k = 4 * ((n - 1 - i) * n + j);
      image.data[k] = 230 - 120 * t; image.data[k + 1] = 240 - 60 * t; image.data[k + 2] = 255 - 40 * t;
      image.data[k + 3] = 255;
    }
  }
  cells.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;                 // square cells, as the grid D was evaluated on
  ctx.drawImage(heatCanvas, 0, 0, canvas.width, canvas.height);
}

function drawPlane(v) {
  const canvas = $("plane"), ctx = canvas.getContext("2d"), at = toCanvas(canvas, v.extent);
  const frame = slow ? slow[slowAt] : null;          // slow motion shows the step as it was at that sub-step
  drawHeat(ctx, canvas, frame ? frame.heat : v.heat);
  ctx.fillStyle = "black";
  for (const p of v.real) { const [x, y] = at(p); ctx.fillRect(x - 1, y - 1, 2, 2); }
  const fake = frame ? frame.points : v.fake, arrows = frame ? frame.arrows : v.arrows;
  if (arrows) {
    ctx.strokeStyle = "rgba(233, 30, 99, 0.6)";
    const biggest = Math.max(1e-12, ...arrows.map(a => Math.hypot(a[0], a[1])));
    ctx.beginPath();
    fake.forEach((p, k) => {                          // arrows scaled so the longest is 20 pixels
      const [x, y] = at(p), a = arrows[k], s = 20 / biggest;
      ctx.moveTo(x, y); ctx.lineTo(x + a[0] * s, y - a[1] * s);
    });
    ctx.stroke();
  }
  if (!frame || frame.show !== "noise") {
    ctx.fillStyle = "rgb(255, 140, 0)";
    for (const p of fake) { const [x, y] = at(p); ctx.fillRect(x - 1.5, y - 1.5, 3, 3); }
  }
  ctx.fillStyle = "rgb(0, 150, 136)";                // points being drawn, not yet trained on
  for (const p of drawn) { const [x, y] = at(p); ctx.beginPath(); ctx.arc(x, y, 3, 0, 2 * Math.PI); ctx.fill(); }
}

function drawManifold(v) {
  const canvas = $("manifold"), ctx = canvas.getContext("2d"), at = toCanvas(canvas, v.extent);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#999";
  for (const p of v.real) { const [x, y] = at(p); ctx.fillRect(x - 0.5, y - 0.5, 1, 1); }
  ctx.strokeStyle = "rgba(255, 140, 0, 0.8)";
  const m = v.manifold, n = m.length;
  for (let i = 0; i < n; i++) {                      // the lines z_y = const, then z_x = const
    for (const line of [m[i], m.map(row => row[i])]) {
      ctx.beginPath();
      line.forEach((p, k) => { const [x, y] = at(p); k ? ctx.lineTo(x, y) : ctx.moveTo(x, y); });
      ctx.stroke();
    }
  }
}

// ---- the curves ---------------------------------------------------------------------------------
function drawCurves(v) {
  const c = v.curves;
  drawSeries($("curves"), [{values: c.d_loss, color: "#1f77b4"}, {values: c.g_loss, color: "#ff7f0e"},
                           {values: c.d_real, color: "#1f77b4", dash: [4, 3]},
                           {values: c.d_fake, color: "#ff7f0e", dash: [4, 3]}]);
  drawSeries($("norms"), Object.entries(c.grad_norms).map(([name, values]) =>
    ({values, color: name.startsWith("D") ? "rgba(31, 119, 180, 0.8)" : "rgba(255, 127, 14, 0.8)"})), Math.log10);
  const m = v.metrics;
  if (v.settings.data === "ring" || v.settings.data === "grid") {
    const ctx = $("metrics").getContext("2d");
    ctx.clearRect(0, 0, 480, 140);
    const modes = m.map(r => r.modes_captured / r.n_modes * 100), hq = m.map(r => r.high_quality_percent);
    for (const [values, color] of [[modes, "#2ca02c"], [hq, "#9467bd"]]) {   // both in % of [0, 100]
      ctx.strokeStyle = color; ctx.beginPath();
      values.forEach((value, k) => {
        const x = k / Math.max(1, values.length - 1) * 480, y = 135 - value / 100 * 130;
        k ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
      });
      ctx.stroke();
    }
    const last = m[m.length - 1];
    $("metrics-caption").dataset.last = last ? `step ${last.step}: ${last.modes_captured}/${last.n_modes} modes, ` +
      `${last.high_quality_percent.toFixed(1)}% high quality, reverse KL ${last.reverse_kl === null ? "∞ (no sample near a mode)" : last.reverse_kl.toFixed(3)}` : "";
  } else {
    $("metrics").getContext("2d").clearRect(0, 0, 480, 140);
    $("metrics-caption").dataset.last = "modes are scored on the ring and the grid only";
  }
}

// ---- the equations, with the last step's numbers ------------------------------------------------
function drawEquations(v) {
  const c = v.curves, k = c.step.length - 1;
  const metrics = $("metrics-caption").dataset.last;
  $("equations").textContent = k < 0 ? `${v.equations.d}\n${v.equations.g}\nstep 0: press step or play` :
    `step ${c.step[k]}:\n${v.equations.d} = ${c.d_loss[k].toFixed(4)}\n` +
    `${v.equations.g} = ${c.g_loss[k] === null ? "(no G update yet)" : c.g_loss[k].toFixed(4)}\n` +
    `D(x) = ${c.d_real[k].toFixed(3)}, D(G(z)) = ${c.d_fake[k].toFixed(3)}` + (metrics ? `\n${metrics}` : "");
}

// ---- slow motion ---------------------------------------------------------------------------------
function showSubstep() {
  const frame = slow[slowAt];
  $("substeps").innerHTML = slow.map((f, k) => `<li class="${k === slowAt ? "current" : ""}">${f.name}</li>`).join("");
  $("substep-text").textContent = `${frame.number}. ${frame.name}\n${frame.text}`;
  link($("substep-code"), frame.code);
  $("substep-code").textContent = `the code: ${links[frame.code].name}`;
  const also = frame.also && frame.also !== frame.code ? frame.also : null;   // the D loss's second term, when it is another function
  $("substep-also").hidden = $("substep-also-sep").hidden = !also;
  if (also) { link($("substep-also"), also); $("substep-also").textContent = links[also].name; }
  const derivation = links[frame.code].derivation;            // "backward/losses.md#bce-with-logits"
  $("substep-derivation").hidden = !derivation;
  if (derivation) {
    const [page, anchor] = derivation.split("#");
    $("substep-derivation").href = `/docs/${page.replace(/\.md$/, ".html")}?token=${encodeURIComponent(token)}` +
      (anchor ? `#${anchor}` : "");
    $("substep-derivation").textContent = `the derivation: ${derivation}`;
  }
  drawPlane(view);
}

async function slowMotion() {
  const answer = await api("/api/control", {action: "slow"});
  await refresh();
  slow = answer.frames; slowAt = 0;
  $("slowmo").hidden = false;
  $("slow-step").textContent = answer.step;
  showSubstep();
}

// ---- settings ------------------------------------------------------------------------------------
function settingInputs() { return [...document.querySelectorAll("[data-setting]")]; }

function showSettings(settings) {
  for (const input of settingInputs()) {
    if (document.activeElement === input) continue;           // never overwrite what is being typed
    if (input.dataset.setting === "data" && wantDrawn) continue;
    const value = settings[input.dataset.setting];
    if (input.type === "checkbox") input.checked = Boolean(value);
    else input.value = value === null || value === undefined ? "" : value;
  }
}

function readSetting(input) {
  if (input.type === "checkbox") return input.checked;
  if (input.tagName === "SELECT") return input.value;
  return input.value === "" ? null : Number(input.value);
}

async function changeSetting(input) {
  const name = input.dataset.setting, value = readSetting(input);
  $("setting-error").textContent = "";
  if (name === "data") wantDrawn = value === "drawn" && !drawn.length;
  if (wantDrawn) { $("drawing").hidden = false; return; }   // train on drawn points once there are some
  const settings = {[name]: value};
  if (name === "data" && value === "drawn") settings.drawn = drawn;
  try {
    await control({action: LIVE.includes(name) ? "set" : "reset", settings});
    slow = null; $("slowmo").hidden = true;
  } catch (error) {
    $("setting-error").textContent = error.message;
    showSettings(view.settings);
  }
}

// ---- the page ------------------------------------------------------------------------------------
let real = null;                                     // the run's real points: they come once per run

function render(v) {
  if (v.real === null) v.real = real; else real = v.real;
  view = v;
  drawPlane(v);
  drawManifold(v);
  drawCurves(v);
  drawEquations(v);
  showSettings(v.settings);
  $("drawing").hidden = !(wantDrawn || v.settings.data === "drawn");
  $("heat-kind").textContent = v.heat_kind === "critic" ? "the critic's value" : "D(x) = σ(logit)";
  $("save").disabled = !v.savable;
  frames++;
  const now = performance.now();
  if (now - framesSince > 1000) { fps = frames * 1000 / (now - framesSince); frames = 0; framesSince = now; }
  $("status").textContent =
    `step ${v.step} · ${v.steps_per_second} steps/s · ${fps.toFixed(0)} frames/s · ${v.playing ? "playing" : "paused"}` +
    (v.partial_steps ? ` · ${v.partial_steps} D-only or G-only steps` : "") + (v.error ? ` · stopped: ${v.error}` : "");
}

async function refresh() { render(await api("/api/view", undefined, view && real ? `&run=${view.run}` : "")); }

async function loop() {                               // a frame every 40 ms while playing (25 a second at most)
  const started = performance.now();
  try { if (view && view.playing) await refresh(); } catch (error) { console.warn(error.message); }
  setTimeout(loop, Math.max(0, 40 - (performance.now() - started)));
}

async function control(body) {
  const answer = await api("/api/control", body);
  await refresh();
  return answer;
}

async function listRuns() {
  const answer = await api("/api/runs");
  $("runs-root").textContent = answer.root;
  $("runs").innerHTML = answer.runs.map(r => `<option value="${r.name}">${r.name} (step ${r.step})</option>`).join("");
}

async function start() {
  $("to-runs").href = `/runs?token=${encodeURIComponent(token)}`;
  links = await api("/api/code");
  for (const a of document.querySelectorAll("a[data-code]")) link(a, a.dataset.code);
  await refresh();
  for (const [name, choices] of Object.entries(view.choices)) {
    document.querySelector(`[data-setting=${name}]`).innerHTML = choices.map(c => `<option>${c}</option>`).join("");
  }
  showSettings(view.settings);
  for (const input of settingInputs()) input.onchange = () => changeSetting(input);
  $("play").onclick = () => { slow = null; $("slowmo").hidden = true; return control({action: "play"}); };
  $("pause").onclick = () => control({action: "pause"});
  $("step").onclick = () => control({action: "step"});
  $("step-d").onclick = () => control({action: "step", part: "d"});
  $("step-g").onclick = () => control({action: "step", part: "g"});
  $("slow").onclick = slowMotion;
  $("next").onclick = () => { if (slowAt < slow.length - 1) { slowAt++; showSubstep(); } };
  $("prev").onclick = () => { if (slowAt > 0) { slowAt--; showSubstep(); } };
  $("reset").onclick = () => control({action: "reset"});
  $("plane").onclick = event => {                     // drawing one's own data
    if (!(wantDrawn || view.settings.data === "drawn") || drawn.length >= 400) return;
    const canvas = $("plane"), box = canvas.getBoundingClientRect(), e = view.extent;
    const x = (event.clientX - box.left) / box.width * 2 * e - e, y = e - (event.clientY - box.top) / box.height * 2 * e;
    drawn.push([Math.round(x * 1000) / 1000, Math.round(y * 1000) / 1000]);
    $("drawn-count").textContent = drawn.length;
    drawPlane(view);
  };
  $("use-drawn").onclick = async () => {
    $("setting-error").textContent = "";
    try { await control({action: "reset", settings: {data: "drawn", drawn}}); wantDrawn = false; }
    catch (error) { $("setting-error").textContent = error.message; }
  };
  $("clear-drawn").onclick = () => { drawn = []; $("drawn-count").textContent = 0; drawPlane(view); };
  $("save").onclick = async () => {
    const answer = await control({action: "save"});
    $("saved").textContent = `saved: ${answer.saved}`;
    await listRuns();
  };
  $("open").onclick = async () => {
    if (!$("runs").value) return;
    await control({action: "open", name: $("runs").value});
    slow = null; $("slowmo").hidden = true;
  };
  await listRuns();
  // Closing the page pauses training (keepalive lets the request outlive the page).
  window.addEventListener("pagehide", () => fetch(`/api/control?token=${encodeURIComponent(token)}`, {
    method: "POST", keepalive: true, headers: {"Content-Type": "application/json", "X-Lab-Token": token},
    body: JSON.stringify({action: "pause"})}));
  document.body.dataset.ready = "yes";               // every control answers from now on
  loop();
}

start();
