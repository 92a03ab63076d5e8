// exgen serve: small conveniences on the student's page. Everything works without this file.
(function () {
  "use strict";
  var form = document.querySelector("form.answers-form");
  if (!form) return;
  var boxes = Array.prototype.slice.call(form.querySelectorAll(".answer input"));
  // Enter moves to the next box (the form must not go off half-finished); on the last box it
  // moves to the submit button.
  boxes.forEach(function (box, i) {
    box.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing) return;
      event.preventDefault();
      var next = boxes[i + 1] || form.querySelector("button.submit");
      if (next) next.focus();
    });
  });
  // One click hands in once: the button waits for the answer (the server recognises a
  // repeated submission anyway).
  form.addEventListener("submit", function () {
    var button = form.querySelector("button.submit");
    if (button) {
      window.setTimeout(function () { button.disabled = true; button.textContent = "Submitting…"; }, 0);
    }
  });
  // After a submission, bring its result into view.
  var notice = document.getElementById("notice");
  if (notice && notice.scrollIntoView) notice.scrollIntoView({ block: "center" });
})();
