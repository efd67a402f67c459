// The sign-in form: POST /api/v1/session, then on to where the person was going.
import { api, ApiError } from "./console.js";

const form = document.getElementById("sign-in");
const error = document.getElementById("sign-in-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await api("POST", "/api/v1/session", { email: form.email.value.trim(), password: form.password.value });
    location.assign(form.dataset.next || "/inbox");
  } catch (caught) {
    const tooMany = caught instanceof ApiError && caught.status === 429;
    error.textContent = tooMany ? "Too many failed sign-ins. Try again later." : "Wrong email or password.";
    error.hidden = false;
    form.password.value = "";
    form.password.focus();
  } finally {
    button.disabled = false;
  }
});
