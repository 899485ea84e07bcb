// Saves the chosen score when a person leaves the page without pressing Send, so that with
// JavaScript one click in the email is enough. Only after a trusted pointer, touch or key event:
// a link scanner that loads the page in a headless browser and leaves records nothing.
(function () {
  "use strict";
  var form = document.getElementById("answer");
  var hint = document.getElementById("hint");
  if (!form || !hint || !navigator.sendBeacon || !window.URLSearchParams) {
    return;
  }
  var engaged = false;
  var saved = false;
  hint.textContent = hint.getAttribute("data-with-script");
  function engage(event) {
    if (event.isTrusted && (event.type !== "pointermove" || event.pointerType === "mouse")) {
      engaged = true;
    }
  }
  ["pointerdown", "pointermove", "keydown", "touchstart"].forEach(function (type) {
    document.addEventListener(type, engage, { capture: true, passive: true });
  });
  form.addEventListener("submit", function () {
    saved = true;
  });
  function saveOnLeaving() {
    var chosen = form.querySelector("input[name=score]:checked");
    if (!engaged || saved || !chosen) {
      return;
    }
    var answer = new URLSearchParams();
    answer.set("score", chosen.value);
    answer.set("comment", form.elements.comment.value);
    saved = navigator.sendBeacon(form.action, answer);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      saveOnLeaving();
    }
  });
  window.addEventListener("pagehide", saveOnLeaving);
})();
