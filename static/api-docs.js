// Renders the API documentation page with Swagger UI (served by the app, no inline script).
document.addEventListener("DOMContentLoaded", () => {
  const target = document.getElementById("api-docs");
  if (!target || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: target.dataset.specUrl,
    domNode: target,
    deepLinking: false,
    validatorUrl: null,
    tryItOutEnabled: false,
  });
});
