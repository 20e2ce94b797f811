// Studying flashcards, improved: keys (Space shows the answer, 1-4 grade, Z undoes) and no page reload
// between cards. The page works without this file: every action is a plain link or form, and this
// script sends the same requests with fragment=1 and swaps in the card's part of the page.
(function () {
  "use strict";
  var study = document.getElementById("study");
  if (!study || !window.fetch || !window.FormData) return;
  var announcer = document.getElementById("announcer");
  var keys = document.getElementById("keys");
  var busy = false;
  if (keys) keys.hidden = false;

  function announce(text) {
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function focusNext() {
    var target = study.querySelector("[data-focus]");
    if (!target) return;
    // Focus the next action without scrolling the answer out of sight on a small screen.
    target.focus({ preventScroll: true });
    var answer = study.querySelector("#card-answer");
    (answer || study).scrollIntoView({ block: "nearest" });
  }

  function show(html, url, message) {
    study.innerHTML = html;
    if (url) {
      var clean = new URL(url, window.location.href);
      clean.searchParams.delete("fragment");
      window.history.replaceState(null, "", clean.pathname + clean.search);
    }
    focusNext();
    var answer = study.querySelector("#card-answer");
    var problem = study.querySelector("[role=alert]");
    var left = study.querySelector("#session-left");
    if (problem) announce(problem.textContent.replace(/\s+/g, " ").trim());
    else if (answer) announce(answer.textContent.replace(/\s+/g, " ").trim());
    else if (message) announce(message + " " + (left ? left.textContent.replace(/\s+/g, " ").trim() : ""));
  }

  function send(form, submitter) {
    if (busy) return;
    busy = true;
    var method = (form.getAttribute("method") || "get").toUpperCase();
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    data.append("fragment", "1");
    var url = form.action;
    var init = { method: method, credentials: "same-origin", headers: { "Accept": "text/html" } };
    if (method === "GET") {
      url += (url.indexOf("?") < 0 ? "?" : "&") + new URLSearchParams(data).toString();
    } else {
      init.body = new URLSearchParams(data);
    }
    var action = form.getAttribute("data-action");
    fetch(url, init)
      .then(function (response) {
        return response.text().then(function (html) { return { response: response, html: html }; });
      })
      .then(function (result) {
        busy = false;
        var type = result.response.headers.get("Content-Type") || "";
        // Anything but a fragment (a login page, an expired form): let the browser do it the plain way.
        if (type.indexOf("text/html") !== 0 || result.html.indexOf("<html") >= 0) throw new Error("not a fragment");
        var message = action === "grade" ? "Graded." : action === "undo" ? "Last grade undone." : "";
        show(result.html, result.response.url, message);
      })
      .catch(function () {
        busy = false;
        if (submitter && method === "POST") {
          var hidden = document.createElement("input");
          hidden.type = "hidden"; hidden.name = submitter.name; hidden.value = submitter.value;
          form.appendChild(hidden);
        }
        form.submit();
      });
  }

  study.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-action")) return;
    event.preventDefault();
    send(form, event.submitter);
  });

  function clickGrade(value) {
    var button = study.querySelector(".grades button[name=rating][value='" + value + "']");
    if (button) { button.focus(); send(button.form, button); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var reveal = study.querySelector("form[data-action=reveal]");
    if (event.key === " " || event.key === "Enter") {
      if (reveal && (event.key === " " || target === document.body)) {
        event.preventDefault();
        send(reveal, reveal.querySelector("button"));
      }
      return;
    }
    if (/^[1-4]$/.test(event.key)) {
      event.preventDefault();
      clickGrade(event.key);
      return;
    }
    if (event.key === "z" || event.key === "Z") {
      var undo = study.querySelector("form[data-action=undo]");
      if (undo) { event.preventDefault(); send(undo, undo.querySelector("button")); }
    }
  });

  focusNext();
})();
