package io.macula.nat.api.command;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Offers a component's public methods as operator commands {@code scope:function}. Each function is the
 * name of one or more public methods taking strings; their {@code @Descriptor} annotations (Gogo's) are
 * the help text, of the method and of each parameter.
 *
 * <p>A parameter's descriptor also says what completes it in Karaf's shell: {@value #NODE} completes
 * with the nodes the hub knows, {@value #STRATEGY} with the strategies installed, a flag such as
 * {@code --json} with itself, and words joined by "or" ({@code direct or relay}) with each word.
 *
 * <p>Not Gogo's own {@code osgi.command.*} properties: Karaf's shell would wrap such a service without help
 * or completion, and a second registration of the same name would collide with it. The shell bundle
 * registers these commands with Gogo where Gogo is the shell; the Karaf shell bundle registers them with
 * Karaf's shell, help and completion included.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface OperatorCommands {
  String PREFIX_ = "macula.nat.command.";

  /** The service property with the commands' scope. */
  String SCOPE = PREFIX_ + "scope";

  /** The service property with the commands' function names. */
  String FUNCTION = PREFIX_ + "function";

  /** The descriptor of a parameter that takes a node's id. */
  String NODE = "the node's id";

  /** The descriptor of a parameter that takes a strategy's name. */
  String STRATEGY = "the strategy's name";

  /** The scope, as in {@code nat:connect}. */
  String scope();

  /** The function names. */
  String[] function();
}
