// What every office form shares (GOV.UK's error pattern): taking a refused submission's errors off the page.

/** Remove the error summary, the messages beside fields and the fields' invalid marks under root. */
export function clearErrors(root) {
  root.querySelector('.error-summary')?.remove();
  for (const el of root.querySelectorAll('.error-message')) el.remove();
  for (const el of root.querySelectorAll('.field-error')) el.classList.remove('field-error');
  for (const el of root.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && !x.endsWith('-error'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
    else el.removeAttribute('aria-describedby');
  }
}
