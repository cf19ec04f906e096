// The product page: the chosen variant's price replaces the price range at the top
// and in the bottom bar, its aid share the cheapest's, and the gallery's dots show
// which photo is in view.
// Without this script the range stays, the dots still jump, and the form works as is.
(function () {
  "use strict";
  var form = document.getElementById("add-to-cart");
  var aidData = document.getElementById("aid-by-variant");
  var aidByVariant = aidData ? JSON.parse(aidData.textContent) : {};
  var aidSentence = document.querySelector("[data-aid-sentence]");
  if (form) {
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
      if (aidSentence && aidByVariant[chip.value]) {
        aidSentence.textContent = aidByVariant[chip.value];
      }
    });
  }

  var dots = document.querySelectorAll(".gallery-dots a");
  if (!dots.length || !("IntersectionObserver" in window)) {
    return;
  }
  var observer = new IntersectionObserver(
    function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) {
          return;
        }
        dots.forEach(function (dot) {
          if (dot.getAttribute("href") === "#" + entry.target.id) {
            dot.setAttribute("aria-current", "true");
          } else {
            dot.removeAttribute("aria-current");
          }
        });
      });
    },
    { threshold: 0.6 }
  );
  document.querySelectorAll(".gallery-slide").forEach(function (slide) {
    observer.observe(slide);
  });
})();
