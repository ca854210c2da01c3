// Blazor's router handles in-page links itself and only scrolls: the skip link must also move keyboard focus, or the
// next Tab starts again at the top of the menu.
document.addEventListener('click', event => {
    const link = event.target.closest('a.skip');
    const target = link && document.getElementById(link.hash.slice(1));
    if (!target) return;
    event.preventDefault();
    target.focus();
    target.scrollIntoView();
}, true);
