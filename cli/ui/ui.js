/* ui.js - small helps for refgw ui; every page works without it.
   Built into refgw and served from /assets/ (no inline script). */
"use strict";
(function () {
  /* A page that reports an error or an outcome asks for focus on it, so that
     a screen reader says it first. */
  var focus = document.querySelector("[data-focus]");
  if (focus) focus.focus();

  /* How much of the description's limit is used, in bytes as the gateway
     counts them (UTF-8, line breaks as one byte). */
  var area = document.getElementById("f-body");
  var out = document.getElementById("f-body-count");
  if (!area || !out || !window.TextEncoder) return;
  var max = Number(out.getAttribute("data-max"));
  var template = out.getAttribute("data-template");
  var sep = out.getAttribute("data-thousands");
  var encoder = new TextEncoder();
  function number(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  }
  function update() {
    var bytes = encoder.encode(area.value.replace(/\r\n/g, "\n")).length;
    out.textContent = template.replace("{0}", number(bytes)).replace("{1}", number(max));
    out.classList.toggle("over", bytes > max);
  }
  area.addEventListener("input", update);
  update();
})();
