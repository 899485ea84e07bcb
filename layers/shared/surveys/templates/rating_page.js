// Saves the chosen score (and reasons) when a person leaves the page without pressing Send, so
// that with JavaScript one click in the email is enough. Only after a trusted pointer, touch or
// key event: a link scanner that loads the page in a headless browser and leaves records
// nothing. Shows the reasons only while a negative score is chosen, as the page's CSS does
// without a script where the browser supports :has.
(function () {
  "use strict";
  var form = document.getElementById("answer");
  var hint = document.getElementById("hint");
  if (!form || !hint || !navigator.sendBeacon || !window.URLSearchParams) {
    return;
  }
  var reasons = document.getElementById("reasons");
  function showReasons() {
    if (reasons) {
      reasons.hidden = !form.querySelector("input.negative:checked");
    }
  }
  showReasons();
  form.addEventListener("change", showReasons);
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
    if (reasons && !reasons.hidden) {
      form.querySelectorAll("input[name=reason]:checked").forEach(function (reason) {
        answer.append("reason", reason.value);
      });
    }
    saved = navigator.sendBeacon(form.action, answer);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      saveOnLeaving();
    }
  });
  window.addEventListener("pagehide", saveOnLeaving);
})();
