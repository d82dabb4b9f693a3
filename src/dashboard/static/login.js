// The sign-in form: carry the page to return to, and say when the last try failed.
const params = new URLSearchParams(location.search);
document.getElementById('next').value = params.get('next') ?? '/';
document.getElementById('failed').hidden = params.get('failed') !== '1';
