// The WeChat Pay page inside WeChat (templates/shop/payments/wechatpay_jsapi.html):
// hands the server-signed parameters to WeChat's own WeixinJSBridge, which WeChat's
// browser provides (no script to load). Whatever the bridge answers, the return page
// asks WeChat Pay (查单): the bridge's "ok" is no proof of payment.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("wechatpay-jsapi");
  const data = document.getElementById("wechatpay-bridge");
  if (!box || !data) return;
  const parameters = JSON.parse(data.textContent);
  const status = document.getElementById("wechatpay-jsapi-status");
  const pay = () => {
    if (typeof WeixinJSBridge === "undefined") {
      status.textContent = box.dataset.needsWechat;
      return;
    }
    WeixinJSBridge.invoke("getBrandWCPayRequest", parameters, () => {
      window.location.assign(box.dataset.returnUrl);
    });
  };
  document.getElementById("wechatpay-jsapi-pay").addEventListener("click", pay);
  if (typeof WeixinJSBridge === "undefined") {
    document.addEventListener("WeixinJSBridgeReady", pay, false);
  } else {
    pay();
  }
});
