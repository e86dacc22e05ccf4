"""The step-through page's style sheet and script, inlined into every page.

The script only chooses among strings the Python side wrote: which step's panel is
shown, which gradient text each box holds at that step. It computes no number.
"""

from __future__ import annotations

__all__ = ["CSS", "JS"]

CSS = """
.mt-step{--ink:#1d2330;--muted:#5b6475;--line:#e3e6ec;--accent:#d9480f;
font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);
max-width:100%;outline:none}
.mt-step *{box-sizing:border-box}
.mt-step h2{font-size:19px;margin:0 0 4px}
.mt-step .mt-intro{color:var(--muted);margin:0 0 8px;font-size:13.5px}
.mt-step .mt-bar{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin:6px 0;
position:sticky;top:0;background:#fff;padding:6px 0;z-index:2}
.mt-step button{font:inherit;font-size:14px;padding:4px 14px;border:1px solid #b9c0cc;
border-radius:6px;background:#f7f8fa;cursor:pointer}
.mt-step button:hover:not(:disabled){background:#e9edf5}
.mt-step button:disabled{opacity:.4;cursor:default}
.mt-step .mt-count{font-variant-numeric:tabular-nums;color:var(--muted);margin-left:6px}
.mt-step .mt-keys{color:var(--muted);font-size:12.5px;margin-left:auto}
.mt-step .mt-graph{overflow:auto;border:1px solid var(--line);border-radius:8px;
background:#fcfcfd;max-height:56vh}
.mt-step svg{display:block;margin:0 auto}
.mt-step svg text{font:11px/1 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;
fill:#1d2330;white-space:pre}
.mt-step svg .mt-name{font-weight:bold}
.mt-step svg .mt-dim{fill:#6b7385}
.mt-step svg .mt-none{fill:#9aa1ad;font-style:italic}
.mt-step svg .mt-gstat{fill:#6b7385;font-style:italic}
.mt-step .mt-tensor .mt-box{fill:#fff;stroke:#8a93a3;stroke-width:1;stroke-dasharray:4 3}
.mt-step .mt-tensor[data-state=partial] .mt-box{fill:#fff6d5;stroke:#c9a227;
stroke-dasharray:none}
.mt-step .mt-tensor[data-state=complete] .mt-box{fill:#eaf6ec;stroke:#3d8b4f;
stroke-dasharray:none}
.mt-step .mt-op .mt-box{fill:#fff;stroke:#666;stroke-width:1}
.mt-step .mt-op text{font-family:system-ui,Arial,sans-serif;font-size:11.5px;
text-anchor:middle}
.mt-step .mt-op.mt-active .mt-box{fill:#ffe8d9;stroke:var(--accent);stroke-width:2.5}
.mt-step .mt-tensor.mt-source .mt-box{stroke:#2f5bd3;stroke-width:2.5}
.mt-step .mt-tensor.mt-target .mt-box{stroke:var(--accent);stroke-width:2.5}
.mt-step .mt-edge path{fill:none;stroke:#9aa1ad;stroke-width:1.2}
.mt-step .mt-edge.mt-flow path{stroke:var(--accent);stroke-width:2.6}
.mt-step .mt-edge .mt-sum{font-size:10px;fill:#8a5a00}
.mt-step .mt-panel{display:none;border:1px solid var(--line);border-radius:8px;
padding:10px 14px;margin-top:8px;background:#fff}
.mt-step .mt-panel.mt-on{display:block}
.mt-step .mt-panel h3{font-size:16px;margin:0 0 4px}
.mt-step .mt-math{background:#f5f0ff;border-left:4px solid #8a63d2;padding:4px 10px;
margin:6px 0;font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:13px}
.mt-step .mt-math i{font-family:system-ui,Arial,sans-serif;color:var(--muted)}
.mt-step table.mt-flows{border-collapse:collapse;width:100%;font-size:13px;margin-top:6px}
.mt-step table.mt-flows th,.mt-step table.mt-flows td{border-bottom:1px solid var(--line);
padding:5px 6px;text-align:left;vertical-align:top}
.mt-step table.mt-flows th{font-size:12px;color:var(--muted);font-weight:600}
.mt-step code{background:#eef0f5;padding:1px 4px;border-radius:4px;font-size:12.5px;
font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;white-space:pre-wrap}
.mt-step .mt-ok{color:#1a7f37;font-weight:600}
.mt-step .mt-part{color:#8a5a00}
.mt-step .mt-legend{color:var(--muted);font-size:12.5px;margin:6px 0 0}
.mt-step .mt-legend span{display:inline-block;width:12px;height:12px;border-radius:3px;
vertical-align:-1px;margin:0 4px 0 10px;border:1px solid #8a93a3}
"""

# Filled in with the root element's id. Reads the step from ?step=N on a page of its own.
JS = """
(function () {
  var me = document.currentScript;
  var root = (me && me.parentNode && me.parentNode.classList.contains('mt-step'))
    ? me.parentNode : document.getElementById(__ROOT_ID__);
  var data = JSON.parse(root.querySelector('script.mt-data').textContent);
  // A page of its own (``StepThrough.save``) marks its body; inline in a notebook it is not.
  var page = document.body.classList.contains('mt-page');
  var n = data.steps.length, s = 0;
  var boxes = {};
  root.querySelectorAll('g.mt-tensor').forEach(function (g) { boxes[g.dataset.vid] = g; });
  function cls(sel, name, on) {
    root.querySelectorAll(sel).forEach(function (e) { e.classList.toggle(name, on); });
  }
  function show(k) {
    s = Math.max(0, Math.min(n, k));
    var state = {};
    for (var t = 0; t <= s; t++) {
      var u = data.updates[t];
      for (var vid in u) state[vid] = u[vid];
    }
    for (var id in boxes) {
      var g = boxes[id], st = state[id];
      g.querySelectorAll('text.mt-grad').forEach(function (el, j) {
        el.textContent = st ? (st.lines[j] || '') : (j === 0 ? 'grad: not yet' : '');
        el.classList.toggle('mt-none', !st);
      });
      g.querySelector('text.mt-gstat').textContent = st ? st.status : '';
      g.querySelector('rect.mt-stripe').style.fill = st ? st.colour : 'transparent';
      g.dataset.state = st ? st.state : 'none';
    }
    cls('.mt-active', 'mt-active', false); cls('.mt-source', 'mt-source', false);
    cls('.mt-target', 'mt-target', false); cls('.mt-flow', 'mt-flow', false);
    if (s > 0) {
      var step = data.steps[s - 1];
      cls('g[data-vid="' + step.op + '"]', 'mt-active', true);
      cls('g[data-vid="' + step.out + '"]', 'mt-source', true);
      cls('g.mt-edge[data-tail="' + step.op + '"][data-head="' + step.out + '"]',
          'mt-flow', true);
      step.to.forEach(function (v) {
        cls('g[data-vid="' + v + '"]', 'mt-target', true);
        cls('g.mt-edge[data-tail="' + v + '"][data-head="' + step.op + '"]', 'mt-flow', true);
      });
    }
    follow();
    root.querySelectorAll('.mt-panel').forEach(function (p) {
      p.classList.toggle('mt-on', +p.dataset.step === s);
    });
    root.querySelector('.mt-count').textContent = 'step ' + s + ' of ' + n;
    root.querySelector('.mt-back').disabled = s === 0;
    root.querySelector('.mt-first').disabled = s === 0;
    root.querySelector('.mt-next').disabled = s === n;
    root.querySelector('.mt-last').disabled = s === n;
    root.dataset.step = s;
  }
  // Keep the op running now in view when the graph is larger than its box.
  function follow() {
    var act = root.querySelector('g.mt-active') || root.querySelector('g.mt-source');
    var box = root.querySelector('.mt-graph');
    if (!act) act = root.querySelector('g[data-vid="t0"]');
    if (!act || !box) return;
    var a = act.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (a.top < b.top || a.bottom > b.bottom)
      box.scrollTop += (a.top + a.bottom) / 2 - (b.top + b.bottom) / 2;
    if (a.left < b.left || a.right > b.right)
      box.scrollLeft += (a.left + a.right) / 2 - (b.left + b.right) / 2;
  }
  root.querySelector('.mt-next').addEventListener('click', function () { show(s + 1); });
  root.querySelector('.mt-back').addEventListener('click', function () { show(s - 1); });
  root.querySelector('.mt-first').addEventListener('click', function () { show(0); });
  root.querySelector('.mt-last').addEventListener('click', function () { show(n); });
  function key(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var to = {ArrowRight: s + 1, ArrowDown: s + 1, ArrowLeft: s - 1, ArrowUp: s - 1,
              Home: 0, End: n}[e.key];
    if (to === undefined) return;
    e.preventDefault();
    show(to);
  }
  // A page of its own takes the keys everywhere; inline in a notebook only when clicked
  // into (focused), so the arrow keys still move between the notebook's cells.
  (page ? document : root).addEventListener('keydown', key);
  var start = 0;
  if (page) {
    var q = new URLSearchParams(window.location.search).get('step');
    if (q !== null && /^\\d+$/.test(q)) start = parseInt(q, 10);
  }
  show(start);
})();
"""
