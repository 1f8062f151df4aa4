// Submit a form as soon as one of its [data-autosubmit] selects changes (the page works without it too).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target && target.matches && target.matches("select[data-autosubmit]") && target.form) {
    var form = target.form;
    var ready = Array.prototype.every.call(form.querySelectorAll("select[data-autosubmit]"), function (s) { return s.value; });
    if (ready) { form.submit(); }
  }
});
