// Watchfloor console: live countdowns, partial refresh of live regions, evidence reveal,
// reply templates and keyboard shortcuts. Every page works without it; it only adds speed.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

function fmt(seconds) {
  const sign = seconds < 0 ? "\u2212" : "";
  let s = Math.floor(Math.abs(seconds));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  if (d) return `${sign}${d} d ${h} h`;
  if (h) return `${sign}${h} h ${String(m).padStart(2, "0")} min`;
  if (m) return `${sign}${m} min`;
  return `${sign}${s} s`;
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll("time[data-countdown]")) {
    const left = (Date.parse(el.getAttribute("datetime")) - now) / 1000;
    // Amber from the SLA's warning time when the page knows it, else in the last 15 minutes.
    const warn = el.dataset.warn ? Date.parse(el.dataset.warn) <= now : left < 15 * 60;
    el.textContent = fmt(left);
    el.classList.toggle("breached", left <= 0);
    el.classList.toggle("warning", left > 0 && warn);
  }
}

async function refresh(region) {
  try {
    const res = await fetch(region.dataset.live, { headers: { "X-Requested-With": "watchfloor" } });
    if (res.status === 401 || res.redirected) { location.reload(); return; }
    if (res.ok) { region.innerHTML = await res.text(); tick(); }
  } catch (_) { /* offline for a moment: keep the last figures */ }
}

async function reveal(form) {
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const res = await fetch(form.action, {
      method: "POST",
      headers: { "X-CSRF-Token": csrf(), "X-Requested-With": "watchfloor" },
    });
    if (!res.ok) { form.submit(); return; }
    const holder = document.createElement("div");
    holder.innerHTML = await res.text();
    const item = holder.querySelector("li.evidence");
    const old = form.closest("li.evidence");
    const update = item.querySelector("[data-exposure-update] #exposure-line");
    item.querySelector("[data-exposure-update]")?.remove();
    old.replaceWith(item);
    const line = document.getElementById("exposure-line");
    if (line && update) line.replaceWith(update);
    const shown = item.querySelector("img, blockquote, a");
    if (shown) { shown.setAttribute("tabindex", "-1"); shown.focus(); }
  } catch (_) { form.submit(); }
}

function go(url) { location.href = url; }

let pendingG = false;
function onKey(event) {
  const t = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (t.closest && t.closest("input, textarea, select, [contenteditable]")) return;
  const help = document.getElementById("help");
  if (pendingG) {
    pendingG = false;
    if (event.key === "f") { go("/floor"); return; }
    if (event.key === "m") { go("/my"); return; }
  }
  switch (event.key) {
    case "?": help?.showModal(); break;
    case "n": document.getElementById("next-form")?.submit(); break;
    case "/": event.preventDefault(); go("/search"); break;
    case "g": pendingG = true; break;
    case "r": {
      const form = document.querySelector("form[data-reveal]");
      if (form) reveal(form);
      break;
    }
    case "d": {
      const policy = document.getElementById("policy_id");
      if (policy) { event.preventDefault(); policy.scrollIntoView({ block: "center" }); policy.focus(); }
      break;
    }
    case "e": {
      // Escalating takes a reason: open the form and put the cursor in it.
      const escalate = document.querySelector("details[data-escalate]");
      if (escalate) { event.preventDefault(); escalate.open = true; escalate.querySelector("textarea")?.focus(); }
      break;
    }
    default: return;
  }
}

// Where the keyboard should be when a page opens: on what was refused (so a screen reader and
// the next key press start there), else on the element the URL names (after `n`, the case).
function placeFocus() {
  const problem = document.querySelector('.problem[role="alert"][tabindex]');
  if (problem) { problem.focus(); return; }
  const target = location.hash && document.getElementById(location.hash.slice(1));
  if (target && target.hasAttribute("tabindex")) target.focus();
}

document.addEventListener("DOMContentLoaded", () => {
  placeFocus();
  tick();
  setInterval(tick, 1000);
  for (const region of document.querySelectorAll("[data-live]")) {
    setInterval(() => refresh(region), 1000 * Number(region.dataset.every || 15));
  }
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("form[data-reveal]")) { event.preventDefault(); reveal(form); }
  });
  document.addEventListener("click", (event) => {
    const b = event.target.closest("button");
    if (!b) return;
    if (b.matches("[data-help]")) document.getElementById("help")?.showModal();
    if (b.matches("[data-colour]")) {
      const img = b.closest("figure").querySelector("img");
      img.classList.toggle("colour");
      b.textContent = img.classList.contains("colour") ? "Back to greyscale" : "Show in colour";
    }
  });
  const select = document.querySelector("[data-reply-select]");
  if (select) {
    select.addEventListener("change", () => {
      const option = select.selectedOptions[0];
      document.getElementById("message").value = option.dataset.text || "";
      document.getElementById("message_for").value = option.dataset.for || "notify_reporter";
      const box = document.querySelector(`input[name="actions"][value="${option.dataset.for}"]`);
      if (box) box.checked = true;
    });
  }
  document.addEventListener("keydown", onKey);
});
