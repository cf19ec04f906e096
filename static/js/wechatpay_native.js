// The WeChat Pay QR page (templates/shop/payments/wechatpay_native.html): polls our
// own record of the payment and, once WeChat Pay's notification has changed it,
// goes to the return page, which asks WeChat Pay and shows the order.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("wechatpay-native");
  if (!box) return;
  const intervalMs = 3000;
  let polls = 400; // about 20 minutes: past that, the button still asks WeChat Pay
  const poll = async () => {
    polls -= 1;
    try {
      const response = await fetch(box.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const { status } = await response.json();
        if (status !== "pending") {
          window.location.assign(box.dataset.doneUrl);
          return;
        }
      }
    } catch (error) {
      // Offline for a moment: try again at the next tick.
    }
    if (polls > 0) window.setTimeout(poll, intervalMs);
  };
  window.setTimeout(poll, intervalMs);
});
