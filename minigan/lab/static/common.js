// What the lab's two pages share: the token every request carries, the API call, and line curves.
"use strict";
const token = document.body.dataset.token;
const $ = id => document.getElementById(id);

async function api(path, body, query = "") {
  const options = body === undefined ? {} : {method: "POST", body: JSON.stringify(body),
    headers: {"Content-Type": "application/json", "X-Lab-Token": token}};
  const response = await fetch(`${path}?token=${encodeURIComponent(token)}${query}`, options);
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error);
  return answer;
}

function drawSeries(canvas, series, transform = x => x) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const values = series.flatMap(s => s.values.filter(x => x !== null && isFinite(transform(x))).map(transform));
  if (values.length < 2) return;
  const lo = Math.min(...values), hi = Math.max(...values), span = hi > lo ? hi - lo : 1;
  for (const s of series) {
    ctx.strokeStyle = s.color; ctx.setLineDash(s.dash || []); ctx.beginPath();
    let started = false;
    s.values.forEach((value, k) => {
      if (value === null || !isFinite(transform(value))) { started = false; return; }
      const x = k / Math.max(1, s.values.length - 1) * canvas.width;
      const y = canvas.height - (transform(value) - lo) / span * (canvas.height - 10) - 5;
      started ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
      started = true;
    });
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

