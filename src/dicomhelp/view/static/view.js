// dicomhelp view: the little the pages need in the browser. No framework, no inline handlers
// (the Content-Security-Policy allows scripts from this file only). Works from the server and
// from a static export opened from disk (data-mode="export": explanations are embedded in
// <template> elements, frames are files at each window preset).
"use strict";

(function () {
  const body = document.body;
  const exported = body.dataset.mode === "export";
  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));

  // Colour swatches: the colour comes from the file (a GSPS layer, a segment), set through the CSSOM.
  $$("[data-colour]").forEach((el) => { el.style.backgroundColor = el.dataset.colour; });

  // ---------------------------------------------------------------- the folder browser
  const folderFilter = $("#folder-filter");
  if (folderFilter) {
    folderFilter.addEventListener("input", () => {
      const needle = folderFilter.value.trim().toLowerCase();
      $$("tr.instance").forEach((tr) => {
        tr.hidden = needle !== "" && !tr.dataset.search.toLowerCase().includes(needle);
      });
    });
  }

  // ---------------------------------------------------------------- the explanation panel
  const panel = $("#panel");
  let selected = null;

  function showExplanation(key, xid) {
    const target = $("#panel-explain");
    if (!target) return;
    target.textContent = "";
    if (!key) return;
    const embedded = document.getElementById(xid);
    if (embedded && embedded.content) {
      target.appendChild(embedded.content.cloneNode(true));
      return;
    }
    if (exported) {
      target.textContent = "(no explanation in this export)";
      return;
    }
    target.textContent = "looking it up…";
    const sop = ($(".layout") || body).dataset.sop || "";
    fetch(`${body.dataset.explainUrl}?key=${encodeURIComponent(key)}&sop=${encodeURIComponent(sop)}`,
      { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((html) => {
        // The server escaped every value from the file; scripts in inserted HTML never run.
        const template = document.createElement("template");
        template.innerHTML = html;
        target.textContent = "";
        target.appendChild(template.content);
      })
      .catch((err) => { target.textContent = `cannot look it up: ${err.message}`; });
  }

  function selectRow(row) {
    if (!panel) return;
    if (selected) selected.classList.remove("selected");
    selected = row;
    row.classList.add("selected");
    $("#panel-empty").hidden = true;
    $("#panel-element").hidden = false;
    const name = row.dataset.name && row.dataset.name !== row.dataset.kw ? ` — ${row.dataset.name}` : "";
    $("#panel-title").textContent = `${row.dataset.kw}${name}`;
    $("#panel-tag").textContent = `${row.dataset.tag}  VR ${row.dataset.vr}`;
    const value = $(".val", row);
    $("#panel-value").textContent = value ? value.textContent : "";
    $("#panel-path").value = row.dataset.path;
    const findings = $("#panel-findings");
    findings.textContent = "";
    const own = $(".row-findings", row);
    if (own) $$("li", own).forEach((li) => findings.appendChild(li.cloneNode(true)));
    showExplanation(row.dataset.x, row.dataset.xid);
  }

  function openAncestors(el) {
    for (let d = el.parentElement; d; d = d.parentElement) {
      if (d.tagName === "DETAILS") d.open = true;
    }
  }

  const tree = $("#tree");
  if (tree) {
    tree.addEventListener("click", (event) => {
      const row = event.target.closest(".row");
      if (!row) return;
      selectRow(row);
    });
    tree.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target.classList.contains("row")) selectRow(event.target);
    });
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest(".explain-link");
    if (link) {
      event.preventDefault();
      if ($("#panel-empty")) $("#panel-empty").hidden = true;
      if ($("#panel-element")) $("#panel-element").hidden = true;
      showExplanation(link.dataset.x, link.dataset.xid);
      return;
    }
    const goto = event.target.closest("[data-goto]");
    if (goto && tree) {
      event.preventDefault();
      const row = $$(".row", tree).find((r) => r.dataset.path === goto.dataset.goto);
      if (row) {
        openAncestors(row);
        row.scrollIntoView({ block: "center" });
        selectRow(row);
      }
    }
  });

  const copy = $("#copy-path");
  if (copy) {
    copy.addEventListener("click", () => {
      const input = $("#panel-path");
      const done = () => { $("#copied").hidden = false; setTimeout(() => { $("#copied").hidden = true; }, 1500); };
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, () => { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  }

  // ---------------------------------------------------------------- filtering the tree
  const filter = $("#tree-filter");
  if (filter && tree) {
    const rows = $$(".row", tree);
    const text = rows.map((r) => [r.dataset.kw, r.dataset.name, r.dataset.tag,
      ($(".val", r) || {}).textContent || ""].join(" ").toLowerCase());
    const hexes = rows.map((r) => r.dataset.tag.replace(/[(), ]/g, "").toLowerCase());
    let timer = null;
    filter.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(apply, 120);
    });
    function apply() {
      const needle = filter.value.trim().toLowerCase();
      $$(".keep", tree).forEach((el) => el.classList.remove("keep"));
      if (!needle) {
        tree.classList.remove("filtered");
        $("#filter-count").textContent = "";
        return;
      }
      tree.classList.add("filtered");
      let count = 0;
      // Tags match in any spelling, as dump --filter takes them: 0018,0050 (0018,0050) 00180050.
      const hex = needle.replace(/[(), ]/g, "");
      const tagLike = hex.length >= 4 && /^[0-9a-f(), ]+$/.test(needle);
      rows.forEach((row, i) => {
        if (!text[i].includes(needle) && !(tagLike && hexes[i].includes(hex))) return;
        count += 1;
        row.classList.add("keep");
        const own = row.parentElement.tagName === "SUMMARY" ? row.parentElement.parentElement : null;
        if (own) $$(".row, details", own).forEach((el) => el.classList.add("keep"));
        for (let d = row.parentElement; d && d !== tree; d = d.parentElement) {
          if (d.tagName === "DETAILS") { d.classList.add("keep"); if (d !== own) d.open = true; }
        }
      });
      $("#filter-count").textContent = `${count} element${count === 1 ? "" : "s"} match`;
    }
  }
  const expand = $("#expand-all");
  if (expand) expand.addEventListener("click", () => $$("details", tree).forEach((d) => { d.open = true; }));
  const collapse = $("#collapse-all");
  if (collapse) collapse.addEventListener("click", () => $$("details", tree).forEach((d) => { d.open = false; }));

  // ---------------------------------------------------------------- the image viewer
  const viewer = $("#viewer");
  if (viewer) {
    const frames = parseInt(viewer.dataset.frames, 10) || 1;
    const state = { n: parseInt(viewer.dataset.frame, 10) || 1, c: "", w: "", p: 0 };
    const frame = $("#frame");
    const slider = $("#frame-slider");
    const number = $("#frame-number");
    const preset = $("#preset");
    const wc = $("#wc");
    const ww = $("#ww");
    const error = $("#frame-error");
    let pending = null;

    function fill(template) {
      return template.replace("{n}", state.n).replace("{c}", state.c).replace("{w}", state.w).replace("{p}", state.p);
    }
    function update() {
      pending = null;
      frame.src = fill(frame.dataset.src);
      $$("img.overlay[data-src]", viewer).forEach((img) => { img.src = fill(img.dataset.src); });
      if (slider) slider.value = state.n;
      if (number) number.textContent = state.n;
      viewer.dataset.frame = state.n;
    }
    function soon() { if (!pending) pending = setTimeout(update, 60); }
    function go(n) { state.n = Math.min(Math.max(n, 1), frames); soon(); }

    frame.addEventListener("load", () => { error.hidden = true; viewer.dataset.loaded = frame.src; });
    if (frame.complete && frame.naturalWidth > 0) viewer.dataset.loaded = frame.src;  // loaded before this ran
    frame.addEventListener("error", () => {
      error.hidden = false;
      error.textContent = "this frame cannot be shown";
      if (!exported) {
        fetch(frame.src, { credentials: "same-origin" }).then((r) => r.text())
          .then((t) => { error.textContent = `this frame cannot be shown: ${t}`; }).catch(() => {});
      }
    });
    if (slider) slider.addEventListener("input", () => go(parseInt(slider.value, 10)));
    const prev = $("#frame-prev");
    const next = $("#frame-next");
    if (prev) prev.addEventListener("click", () => go(state.n - 1));
    if (next) next.addEventListener("click", () => go(state.n + 1));
    document.addEventListener("keydown", (event) => {
      if (event.target.closest("input, select, textarea")) return;
      if (event.key === "ArrowRight" || event.key === "j") go(state.n + 1);
      else if (event.key === "ArrowLeft" || event.key === "k") go(state.n - 1);
      else if (event.key === "Home") go(1);
      else if (event.key === "End") go(frames);
      else return;
      event.preventDefault();
    });
    if (preset) {
      preset.addEventListener("change", () => {
        const option = preset.options[preset.selectedIndex];
        state.p = parseInt(preset.value, 10);
        state.c = option.dataset.center;
        state.w = option.dataset.width;
        if (wc && option.dataset.center) { wc.value = option.dataset.center; $("#wc-value").textContent = wc.value; }
        if (ww && option.dataset.width) { ww.value = option.dataset.width; $("#ww-value").textContent = ww.value; }
        if (wc && !option.dataset.center) {  // the file's own VOI: the sliders show where it starts
          wc.value = viewer.dataset.center; ww.value = viewer.dataset.width;
          $("#wc-value").textContent = wc.value; $("#ww-value").textContent = ww.value;
        }
        soon();
      });
    }
    [wc, ww].forEach((input) => {
      if (!input) return;
      input.addEventListener("input", () => {
        state.c = wc.value;
        state.w = ww.value;
        $("#wc-value").textContent = wc.value;
        $("#ww-value").textContent = ww.value;
        soon();
      });
    });
    $$("[data-toggle]").forEach((box) => {
      box.addEventListener("change", () => {
        $$(`img[data-overlay="${box.dataset.toggle}"]`).forEach((img) => { img.hidden = !box.checked; });
      });
    });
  }
})();
