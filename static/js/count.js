/* The live "12 / 200" under a text box that has one (a <p> with
   data-count-for="<box id>" and data-text holding "{count}"): an aid while
   typing; the box's maxlength and the server check the limit. Without this
   script the count stays hidden and the hint says the limit. Written for
   old browsers (no arrow functions, no let), listening on the document so
   that a page htmx swaps in works as the first one does. */
(function () {
  function update(counter) {
    var box = document.getElementById(counter.getAttribute('data-count-for'));
    if (!box) { return; }
    counter.textContent = counter.getAttribute('data-text').replace('{count}', box.value.length);
    counter.hidden = false;
  }
  function showAll() {
    var counters = document.querySelectorAll('[data-count-for]');
    for (var i = 0; i < counters.length; i++) { update(counters[i]); }
  }
  document.addEventListener('input', function (event) {
    var id = event.target && event.target.id;
    var counter = id && document.querySelector('[data-count-for="' + id + '"]');
    if (counter) { update(counter); }
  });
  document.addEventListener('htmx:afterSettle', showAll);
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', showAll);
  } else {
    showAll();
  }
})();
