// The edition page follows an edition going out: it polls the progress
// endpoint named by data-progress and updates the counts in place, then
// reloads once the edition is done so its actions match its new state.
(function () {
  var box = document.querySelector("[data-progress]");
  if (!box) return;
  function tick() {
    fetch(box.getAttribute("data-progress"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) return;
        box.querySelectorAll("[data-count]").forEach(function (el) {
          var v = p.counts[el.getAttribute("data-count")];
          if (v !== undefined) el.textContent = v;
        });
        var st = box.querySelector("[data-status]");
        if (st) st.textContent = p.status;
        if (p.live) setTimeout(tick, 2000); else location.replace(location.pathname); // without the notice of the action that started it
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  setTimeout(tick, 2000);
})();

// Buttons that do something hard to undo ask first; without JavaScript
// they simply act.
document.addEventListener("click", function (ev) {
  var b = ev.target.closest("[data-confirm]");
  if (b && !window.confirm(b.getAttribute("data-confirm"))) ev.preventDefault();
});

// A Copy button copies the field it names (a new API token's secret); a
// field marked data-select selects itself when clicked, for copying by hand.
document.addEventListener("click", function (ev) {
  var b = ev.target.closest("[data-copy]");
  if (b) {
    var field = document.getElementById(b.getAttribute("data-copy"));
    field.select();
    var said = function () { b.textContent = "Copied"; };
    if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(said, function () { document.execCommand("copy") && said(); });
    else if (document.execCommand("copy")) said();
    return;
  }
  var s = ev.target.closest("[data-select]");
  if (s) s.select();
});
