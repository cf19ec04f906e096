// Large-text mode (大字模式, the 适老化 guideline's larger text, stronger contrast and
// bigger tap targets), remembered per browser in localStorage. Loaded in <head>
// without defer, so the class is on <html> before the first paint and a page from
// the anonymous page cache (the same for every visitor) shows in the visitor's mode.
// Without JavaScript the switch stays hidden and the page is the plain one.
(function () {
  "use strict";
  var KEY = "elder-mode";
  var root = document.documentElement;

  function remembered() {
    try {
      return window.localStorage.getItem(KEY) === "on";
    } catch (error) {
      return false; // storage refused (private mode, disabled): the plain page
    }
  }

  function remember(on) {
    try {
      if (on) {
        window.localStorage.setItem(KEY, "on");
      } else {
        window.localStorage.removeItem(KEY);
      }
    } catch (error) {
      // Not remembered; the switch still works on this page.
    }
  }

  root.classList.toggle("elder", remembered());

  document.addEventListener("DOMContentLoaded", function () {
    var switches = document.querySelectorAll(".elder-toggle");
    function show() {
      var on = root.classList.contains("elder");
      switches.forEach(function (button) {
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }
    switches.forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var on = root.classList.toggle("elder");
        remember(on);
        show();
      });
    });
    show();
  });
})();
