// A region that scrolls sideways (a wide table) takes keyboard focus, so that it can be scrolled with the arrow keys.
document.addEventListener("DOMContentLoaded", () => {
  for (const region of document.querySelectorAll(".table-wrapper, .highlight pre")) {
    if (region.scrollWidth > region.clientWidth) {
      region.tabIndex = 0;
    }
  }
});
