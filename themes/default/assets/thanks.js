// Shows the reference number the feedback endpoint put into the address (?ref=…&plan=…).
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var ref = params.get("ref");
  if (ref && /^[\p{L}]{1,4}-\d{4}-\d{6}$/u.test(ref)) {
    document.getElementById("reference-number").textContent = ref;
    document.getElementById("reference").hidden = false;
  }
  var plan = params.get("plan");
  if (plan && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(plan)) {
    var link = document.getElementById("back-link");
    link.href = link.getAttribute("href") + encodeURIComponent(plan) + "/";
    document.getElementById("back").hidden = false;
  }
})();
