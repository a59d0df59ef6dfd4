// Filters the plans list in place. Without JavaScript the full list stays visible.
(function () {
  "use strict";
  var form = document.getElementById("plan-filter");
  if (!form) { return; }
  var cards = Array.prototype.slice.call(document.querySelectorAll(".plan-card"));
  var count = document.getElementById("filter-count");
  var groups = Array.prototype.slice.call(document.querySelectorAll(".plan-group"));
  form.hidden = false;
  function value(name) { return form.elements[name].value; }
  function apply() {
    var m = value("municipality"), v = value("village"), t = value("type"), s = value("status");
    var shown = 0;
    cards.forEach(function (card) {
      var ok = true;
      if (m && card.dataset.municipality !== m) { ok = false; }
      if (ok && v) {
        var parts = v.split("/");
        ok = card.dataset.municipality === parts[0] &&
          (card.dataset.wide === "true" || card.dataset.villages.split(" ").indexOf(parts[1]) >= 0);
      }
      if (ok && t && card.dataset.type !== t) { ok = false; }
      if (ok && s && card.dataset.status !== s) { ok = false; }
      card.hidden = !ok;
      if (ok) { shown += 1; }
    });
    groups.forEach(function (g) {
      g.hidden = g.querySelectorAll(".plan-card:not([hidden])").length === 0 && g.querySelector(".plan-card") !== null;
    });
    count.textContent = count.dataset.template.replace("{shown}", shown).replace("{total}", cards.length);
  }
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  apply();
})();
