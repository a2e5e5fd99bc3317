// The API reference page: Swagger UI reads the schema URL from its container (no inline script, for the CSP).
(function () {
  var node = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: node.dataset.schemaUrl, domNode: node, deepLinking: false });
})();
