// LTI pages only.  Sends a deep-linking answer on to the learning platform, and tells a
// platform that opened dynamic registration that it is done.  Without scripts the
// deep-linking page shows a Continue button instead.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (form) { form.submit(); }
  if (document.querySelector("[data-lti-registered]")) {
    var target = window.opener || (window.parent !== window ? window.parent : null);
    if (target) { target.postMessage({subject: "org.imsglobal.lti.close"}, "*"); }
  }
}());
