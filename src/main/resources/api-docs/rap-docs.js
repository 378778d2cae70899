// Swagger UI over the controller's own OpenAPI document; everything is served by the controller
// (no CDN, no validator service), so the page works on a network without internet access.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "../spec.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null,
    defaultModelsExpandDepth: 1,
    defaultModelExpandDepth: 2,
    displayOperationId: true,
    displayRequestDuration: true,
    persistAuthorization: false,
    supportedSubmitMethods: ["get", "post"],
  });
});
