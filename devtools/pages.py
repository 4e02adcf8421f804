"""Scripts that the browser tests and the benchmark run in the pages they open."""

#: Installed before a Voila page loads (``page.add_init_script``): records in ``window.lossLabRender``, in ms from
#: the start of navigation, when prose first shows while cells still wait for their outputs (``prose``; only
#: progressive rendering does that) and when the last cell has its outputs (``done``). Voila's progressive page
#: puts a skeleton in every cell and removes it when the cell's outputs arrive.
VOILA_RENDER = """(() => {
    const render = (window.lossLabRender = {});
    const tick = () => {
        const now = performance.now();
        const pending = document.querySelectorAll("[cell-index] .voila-skeleton-container").length;
        const prose = [...document.querySelectorAll(".jp-MarkdownCell")].some(cell => cell.checkVisibility());
        if (pending > 0) render.pending ??= now;
        if (prose && pending > 0) render.prose ??= now;
        if (render.pending !== undefined && pending === 0) {
            render.done = now;
            return;
        }
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
})();"""
#: The condition that every cell of a Voila page has run (with ``VOILA_RENDER`` installed).
VOILA_DONE = "window.lossLabRender?.done !== undefined"
