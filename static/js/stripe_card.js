// The Stripe card page (templates/shop/payments/stripe_card.html): Stripe Elements
// collects the card in Stripe's own iframe and confirms the PaymentIntent with its
// client secret. The order is marked paid by our webhook, not by this script.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("stripe-card-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.publishableKey, { locale: form.dataset.locale });
  const card = stripe.elements().create("card", { hidePostalCode: true });
  const errors = document.getElementById("card-errors");
  const button = form.querySelector("button[type=submit]");
  card.mount("#card-element");
  card.on("change", (event) => { errors.textContent = event.error ? event.error.message : ""; });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    const { error, paymentIntent } = await stripe.confirmCardPayment(
      form.dataset.clientSecret, { payment_method: { card } },
    );
    if (error) {
      errors.textContent = error.message;  // already in the page's language
      button.disabled = false;
      return;
    }
    const status = paymentIntent.status === "succeeded" ? "succeeded" : "processing";
    window.location.assign(`${form.dataset.returnUrl}?redirect_status=${status}`);
  });
});
