// The product page: the chosen variant's price replaces the price range at the top
// and in the bottom bar. Without this script the range stays, and the form works as is.
(function () {
  "use strict";
  var form = document.getElementById("add-to-cart");
  if (!form) {
    return;
  }
  form.addEventListener("change", function (event) {
    var chip = event.target;
    if (chip.name !== "variant" || !chip.checked) {
      return;
    }
    document.querySelectorAll("[data-price]").forEach(function (shown) {
      if (shown.tagName !== "INPUT") {
        shown.textContent = chip.getAttribute("data-price");
      }
    });
  });
})();
