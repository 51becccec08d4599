package io.tantalum.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, headless, driven by its chromedriver through Selenium, as the web view's
 * tests use it. No browser is downloaded: `.ci/run` installs {@code chromium} and
 * {@code chromium-driver}; without them the test fails and says so.
 */
final class WebView {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private WebView() {}

    static WebDriver open() throws java.io.IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            throw new AssertionError("Chromium and its driver are needed (" + CHROMIUM + ", " + DRIVER + "): apt-get"
                    + " install -y chromium chromium-driver (.ci/run installs them)");
        }
        Path profile = Files.createTempDirectory("tt-chromium");
        ChromeOptions o = new ChromeOptions().setBinary(CHROMIUM.toFile());
        // as root, without a display, on a machine with no way out: no sandbox, no GPU, no background calls
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,900", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, o);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> io.tantalum.cli.install.Installer.deleteTree(profile)));
        return driver;
    }

    /** Types the token into the login form and opens the view. */
    static void login(WebDriver browser, String token) {
        browser.findElement(By.id("token")).sendKeys(token);
        browser.findElement(By.cssSelector("#login button")).click();
    }

    /** The text of the element with this id, cells joined by spaces; empty while it is not there. */
    static String text(WebDriver browser, String id) {
        try {
            return browser.findElement(By.id(id)).getText().replaceAll("\\s+", " ").trim();
        } catch (NoSuchElementException | StaleElementReferenceException e) {
            return "";
        }
    }

    /** Saves a screenshot of the page as target/NAME.png (a test artifact). */
    static void screenshot(WebDriver browser, String name) throws java.io.IOException {
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, Path.of("target", name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
