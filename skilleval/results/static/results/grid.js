// The score grid's keyboard (DOMAIN.md §9). The grid works as a plain form without this file; here a grader
// keeps both hands on the keys: Enter (or the down arrow) goes to the next row's score and Shift+Enter (or the
// up arrow) back, "a" or "-" marks the row absent and again undoes it, and every value is checked as it is
// typed (0 to the full mark, at most one decimal). The server checks again and decides; this only saves a
// round trip. Nothing leaves the page.
(function () {
  "use strict";

  var grid = document.getElementById("score-grid");
  var form = document.getElementById("grid-form");
  if (!grid || !form) {
    return;
  }
  var inputs = Array.prototype.slice.call(grid.querySelectorAll("input.score-value"));
  var saveButton = document.getElementById("grid-save");
  var summary = document.getElementById("grid-problem");
  var fullMark = parseFloat(grid.getAttribute("data-full-mark")) || 100;
  var text = {
    invalid: grid.getAttribute("data-msg-invalid"),
    wasAbsent: grid.getAttribute("data-msg-was-absent"),
    blocked: grid.getAttribute("data-msg-blocked"),
    absent: grid.getAttribute("data-absent-label")
  };
  // Digits with at most one decimal; a Chinese keyboard's comma is taken as the decimal point, as the server
  // takes it.
  var SCORE = /^(\d+([.,，]\d?)?|[.,，]\d)$/;
  var ABSENT_KEYS = { "a": true, "A": true, "-": true, "－": true };

  function absentBox(input) {
    return document.getElementById(input.getAttribute("data-absent"));
  }

  function problem(input) {
    var value = input.value.trim();
    if (absentBox(input).checked || value === "") {
      return "";
    }
    if (!SCORE.test(value) || parseFloat(value.replace(/[,，]/, ".")) > fullMark) {
      return text.invalid;
    }
    if (input.getAttribute("data-checkin-absent") === "1") {
      return text.wasAbsent;
    }
    return "";
  }

  function check(input) {
    var message = problem(input);
    var row = input.closest("tr");
    row.classList.toggle("bad", message !== "");
    input.setAttribute("aria-invalid", message === "" ? "false" : "true");
    row.querySelector(".row-problem").textContent = message;
    return message === "";
  }

  function showAbsent(input) {
    var absent = absentBox(input).checked;
    input.readOnly = absent;
    input.placeholder = absent ? text.absent : "";
    if (absent) {
      input.value = "";
    }
    check(input);
  }

  function go(index) {
    if (index < 0) {
      return;
    }
    if (index >= inputs.length) {
      saveButton.focus();
      return;
    }
    inputs[index].focus();
    inputs[index].select();
  }

  inputs.forEach(function (input, index) {
    var box = absentBox(input);
    showAbsent(input);
    input.addEventListener("input", function () {
      check(input);
    });
    input.addEventListener("keydown", function (event) {
      if (event.isComposing || event.ctrlKey || event.metaKey || event.altKey) {
        return;
      }
      if (event.key === "Enter" || event.key === "ArrowDown") {
        event.preventDefault(); // Enter would submit the whole grid
        go(event.shiftKey ? index - 1 : index + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        go(index - 1);
      } else if (ABSENT_KEYS[event.key]) {
        event.preventDefault();
        box.checked = !box.checked;
        showAbsent(input);
      }
    });
    box.addEventListener("change", function () {
      showAbsent(input);
    });
  });

  form.addEventListener("submit", function (event) {
    var firstBad = null;
    inputs.forEach(function (input) {
      if (!check(input) && firstBad === null) {
        firstBad = input;
      }
    });
    if (firstBad !== null) {
      event.preventDefault();
      summary.textContent = text.blocked;
      firstBad.focus();
      firstBad.select();
    } else {
      summary.textContent = "";
    }
  });
})();
