// Embeddable chat: <script src="https://kefu.example.com/static/widget.js" defer></script>
// on any page adds a button in the corner that opens the same chat page in a frame.
(function () {
  "use strict";
  const origin = new URL(document.currentScript.src).origin;
  const button = document.createElement("button");
  button.type = "button";
  button.id = "kefu-widget-button";
  button.textContent = "在线客服";
  button.setAttribute("aria-expanded", "false");
  Object.assign(button.style, {
    position: "fixed", right: "20px", bottom: "20px", zIndex: 2147483647, padding: "12px 18px",
    border: "0", borderRadius: "24px", background: "#1e3a8a", color: "#fff", font: "inherit",
    boxShadow: "0 4px 12px rgba(0,0,0,.25)", cursor: "pointer",
  });
  const frame = document.createElement("iframe");
  frame.id = "kefu-widget-frame";
  frame.title = "在线客服";
  Object.assign(frame.style, {
    position: "fixed", right: "20px", bottom: "76px", zIndex: 2147483647, width: "min(380px, calc(100vw - 40px))",
    height: "min(600px, calc(100vh - 100px))", border: "0", borderRadius: "12px",
    boxShadow: "0 8px 24px rgba(0,0,0,.25)", display: "none", background: "#fff",
  });
  button.addEventListener("click", () => {
    if (!frame.src) frame.src = origin + "/";
    const open = frame.style.display === "none";
    frame.style.display = open ? "block" : "none";
    button.setAttribute("aria-expanded", String(open));
  });
  document.body.append(frame, button);
})();
