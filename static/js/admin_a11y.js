// Django's two-box filter (SelectFilter2.js) puts an aria-label on the search icon, a <span>
// without a role, where ARIA does not allow one (axe: aria-prohibited-attr). It is an image
// of a magnifier that explains the box: give it the role of an image. Runs after the filter,
// which builds its boxes on the window's load event.
"use strict";
window.addEventListener("load", () => {
  window.setTimeout(() => {
    document.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach((icon) => {
      icon.setAttribute("role", "img");
    });
  }, 0);
});
