package io.macula.nat.config.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.ObjectClassDefinition;

/** What a component's Metatype says about a proposed configuration: types, ranges, options, required keys. */
final class MetatypeRules {
  private MetatypeRules() {}

  static List<Refusal> refusals(ObjectClassDefinition ocd, Map<String, ?> proposed) {
    List<Refusal> out = new ArrayList<>();
    Set<String> required = ids(ocd.getAttributeDefinitions(ObjectClassDefinition.REQUIRED));
    AttributeDefinition[] all = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
    if (all == null) {
      return out;
    }
    for (AttributeDefinition ad : all) {
      Object value = proposed.get(ad.getID());
      if (value != null && Values.elements(value).stream().allMatch(String::isBlank) && ad.getDefaultValue() == null) {
        value = null; // blank where there is no default: as good as absent
      }
      if (value == null) {
        if (required.contains(ad.getID()) && ad.getDefaultValue() == null) {
          out.add(new Refusal(ad.getID(), proposed.get(ad.getID()), "required, and it has no default"));
        }
        continue;
      }
      for (String element : Values.elements(value)) {
        if (element.isEmpty() && ad.getType() == AttributeDefinition.STRING && ad.getDefaultValue() != null
            && (ad.getOptionValues() == null || ad.getOptionValues().length == 0)) {
          continue; // an empty string where the default is a string: the component reads it as unset
        }
        String reason = ad.validate(element);
        if (reason != null && !reason.isEmpty()) {
          out.add(new Refusal(ad.getID(), value, reason(ad, element, reason)));
          break;
        }
      }
    }
    return out;
  }

  static Set<String> ids(AttributeDefinition[] ads) {
    if (ads == null) {
      return Set.of();
    }
    Set<String> ids = new java.util.HashSet<>();
    for (AttributeDefinition ad : ads) {
      ids.add(ad.getID());
    }
    return ids;
  }

  /** Metatype's reason in words an operator reads without the Metatype spec at hand. */
  private static String reason(AttributeDefinition ad, String element, String validatorReason) {
    String[] options = ad.getOptionValues();
    if (options != null && options.length > 0) {
      return "must be one of " + String.join(", ", options);
    }
    return typeName(ad.getType()) + ": " + validatorReason.replace("%", "");
  }

  private static String typeName(int type) {
    return switch (type) {
      case AttributeDefinition.INTEGER -> "integer";
      case AttributeDefinition.LONG -> "long integer";
      case AttributeDefinition.SHORT, AttributeDefinition.BYTE -> "small integer";
      case AttributeDefinition.DOUBLE, AttributeDefinition.FLOAT -> "number";
      case AttributeDefinition.BOOLEAN -> "boolean (true or false)";
      case AttributeDefinition.CHARACTER -> "character";
      default -> "value";
    };
  }
}
