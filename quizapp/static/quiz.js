/* quizapp: keyboard shortcuts, focus and a live countdown on quiz pages. Every page works without it. */
(function () {
  "use strict";

  var form = document.querySelector(".question-form");
  var announcer = document.getElementById("announcer");

  function announce(text) {
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function typing(target) {
    var tag = target && target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    return tag === "INPUT" && !/^(radio|checkbox|submit|button|hidden)$/.test(target.type);
  }

  /* Focus: a problem first, then the feedback on an answer, then the first answer field. */
  function placeFocus() {
    var target = document.getElementById("error-summary") || document.getElementById("feedback");
    if (!target && form) {
      target = form.querySelector(".choices input:checked") ||
        form.querySelector("input:not([type=hidden]), select, textarea");
    }
    if (target) target.focus({ preventScroll: false });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    var target = event.target;
    if (form && /^[1-9]$/.test(event.key) && !typing(target)) {
      var choices = form.querySelectorAll(".choices input");
      var choice = choices[Number(event.key) - 1];
      if (choice) {
        event.preventDefault();
        choice.click();
        choice.focus();
      }
      return;
    }
    if (event.key !== "Enter" || event.shiftKey) return;
    var tag = target && target.tagName;
    if (tag === "A" || tag === "BUTTON" || tag === "TEXTAREA" || tag === "SELECT" || tag === "SUMMARY") return;
    if (form && form.contains(target)) {
      if (tag === "INPUT" && !/^(radio|checkbox)$/.test(target.type)) return; // the browser submits
      event.preventDefault();
      form.requestSubmit(form.querySelector("button[type=submit]"));
      return;
    }
    var primary = document.querySelector("[data-primary]");
    if (primary && !form) {
      event.preventDefault();
      primary.click();
    }
  });

  /* The countdown. At zero the answer on screen is sent, so that whatever was entered in time is saved. */
  var timer = document.querySelector(".timer[data-remaining]");
  if (timer) {
    var clock = timer.querySelector(".timer-clock");
    var remaining = Number(timer.getAttribute("data-remaining"));
    var end = Date.now() + remaining * 1000;
    // Sent at zero only if this page counted down to it; a page opened in the last second just reloads.
    var sendAtZero = remaining > 1;
    var warned = {};
    var format = function (seconds) {
      var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
      var mm = h ? String(m).padStart(2, "0") : String(m);
      return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
    };
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      clock.textContent = format(left);
      [300, 60].forEach(function (mark) {
        if (left <= mark && left > mark - 5 && !warned[mark]) {
          warned[mark] = true;
          announce(mark === 60 ? "One minute left." : "Five minutes left.");
        }
      });
      if (left <= 0) {
        window.clearInterval(interval);
        timer.classList.add("timer-up");
        announce("Time is up.");
        if (form && sendAtZero) form.requestSubmit(form.querySelector("button[type=submit]"));
        else window.setTimeout(function () { window.location.reload(); }, 1500);
      }
    };
    var interval = window.setInterval(tick, 1000);
    tick();
  }

  var keysHint = document.querySelector(".keys-hint");
  if (keysHint) keysHint.hidden = false; // the shortcuts exist only with this script

  placeFocus();
})();
