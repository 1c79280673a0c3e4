// Before django-ninja's Swagger UI starts: no deep links, whose anchors Swagger UI nests
// inside each operation's button (an interactive control inside another, for screen readers).
(function () {
  "use strict";
  var holder = document.getElementById("swagger-settings");
  var settings = JSON.parse(holder.textContent);
  settings.deepLinking = false;
  holder.textContent = JSON.stringify(settings);
})();
